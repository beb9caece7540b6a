import { parsePromQL, type LabelMatcher } from '@ztsdb/promql';
import type { QueryService } from '../query.service';
import type { KnownSeries } from '../series-registry';
import { toIndexMatcher } from '../promql/tiered-queryable';
import { PromBadDataError } from './prom-errors';
import { successBody } from './prom-json';
import type { PromParams } from './prom-params';

/** Every series: `__name__` is set on all of ours. */
const ALL: LabelMatcher[] = [
  { name: '__name__', type: '=~', value: '.+', matches: (v) => v !== '' },
];

/** The matchers of one `match[]` selector, parsed as Prometheus's ParseMetricSelector does. */
function selectorMatchers(text: string): LabelMatcher[] {
  const e = parsePromQL(text);
  if (e.type !== 'vectorSelector')
    throw new PromBadDataError(
      `invalid parameter "match[]": ${JSON.stringify(text)} is not a series selector`,
    );
  return [...e.matchers];
}

/** Series matching any of the `match[]` selectors (every series when there are none). */
async function matching(
  queries: QueryService,
  selectors: string[],
  required: boolean,
): Promise<KnownSeries[]> {
  if (selectors.length === 0 && required)
    throw new PromBadDataError('no match[] parameter provided');
  const sets = selectors.length > 0 ? selectors.map(selectorMatchers) : [ALL];
  return queries.run(async (clock) => {
    const seen = new Map<bigint, KnownSeries>();
    for (const ms of sets) {
      const found = await queries.registry.select(
        { kind: 'matchers', matchers: ms.map(toIndexMatcher) },
        clock,
      );
      for (const s of found) seen.set(s.seriesId, s);
    }
    return [...seen.values()];
  });
}

/** Prometheus 3's `limit`: at most this many results, with a warning when cut. */
function limited<T>(items: T[], p: PromParams): { items: T[]; warnings: string[] } {
  const text = p.get('limit');
  if (text === '') return { items, warnings: [] };
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new PromBadDataError('invalid parameter "limit": must be a non-negative integer');
  if (n === 0 || items.length <= n) return { items, warnings: [] };
  return { items: items.slice(0, n), warnings: ['results truncated due to limit'] };
}

const sorted = (a: Iterable<string>): string[] => [...a].sort();

/** `/api/v1/series`: the label sets of matching series (registered ones; the range is not used). */
export async function seriesList(queries: QueryService, p: PromParams): Promise<string> {
  const found = await matching(queries, p.all('match[]'), true);
  const sets = found
    .map((s) => {
      const o: Record<string, string> = {};
      for (const k of Object.keys(s.labels).sort()) if (s.labels[k] !== '') o[k] = s.labels[k]!;
      return o;
    })
    .sort((a, b) => {
      const x = JSON.stringify(a);
      const y = JSON.stringify(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  const { items, warnings } = limited(sets, p);
  return successBody(items, { warnings });
}

/** `/api/v1/labels`: label names of the matching series, sorted. */
export async function labelNames(queries: QueryService, p: PromParams): Promise<string> {
  const names = new Set<string>();
  for (const s of await matching(queries, p.all('match[]'), false))
    for (const [k, v] of Object.entries(s.labels)) if (v !== '') names.add(k);
  const { items, warnings } = limited(sorted(names), p);
  return successBody(items, { warnings });
}

/** `/api/v1/label/<name>/values`: values of one label among the matching series, sorted. */
export async function labelValues(
  queries: QueryService,
  name: string,
  p: PromParams,
): Promise<string> {
  if (!/^[^\s]+$/.test(name))
    throw new PromBadDataError(`invalid label name: ${JSON.stringify(name)}`);
  const values = new Set<string>();
  for (const s of await matching(queries, p.all('match[]'), false)) {
    const v = s.labels[name];
    if (v !== undefined && v !== '') values.add(v);
  }
  const { items, warnings } = limited(sorted(values), p);
  return successBody(items, { warnings });
}
