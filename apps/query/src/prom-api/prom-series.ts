import { parsePromQL, type LabelMatcher } from '@ztsdb/promql';
import type { QueryService } from '../query.service';
import type { KnownSeries } from '../series-registry';
import { toIndexMatcher } from '../promql/tiered-queryable';
import { PromBadDataError } from './prom-errors';
import { successBody } from './prom-json';
import { timeParam, type PromParams } from './prom-params';
import { withSamplesIn } from './series-in-range';

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

/**
 * Prometheus's default range for the metadata endpoints: all time (its MinTime and MaxTime),
 * here the range of JavaScript dates.
 */
const MIN_TIME = -8.64e15;
const MAX_TIME = 8.64e15;

/** Series found by `matching`, and warnings for the answer. */
interface Matched {
  series: KnownSeries[];
  warnings: string[];
}

/**
 * Series matching any of the `match[]` selectors (every series when there are none) that have
 * samples between `start` and `end` (all time by default, as Prometheus: then every registered
 * series is in, without reading any sample).
 */
async function matching(queries: QueryService, p: PromParams, required: boolean): Promise<Matched> {
  const selectors = p.all('match[]');
  if (selectors.length === 0 && required)
    throw new PromBadDataError('no match[] parameter provided');
  const start = timeParam(p, 'start', MIN_TIME);
  const end = timeParam(p, 'end', MAX_TIME);
  if (end < start)
    throw new PromBadDataError(
      'invalid parameter "end": end timestamp must not be before start time',
    );
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
    const all = [...seen.values()];
    if (start <= MIN_TIME && end >= MAX_TIME) return { series: all, warnings: [] };
    const r = await withSamplesIn(queries, all, start, end, clock);
    const warnings = r.unchecked.map(
      (n) =>
        `partition ${n}: no answer from its owner; its series are listed without checking their recent samples`,
    );
    return { series: r.series, warnings };
  });
}

/** Prometheus 3's `limit`: at most this many results, with a warning when cut. */
function limited<T>(
  items: T[],
  p: PromParams,
  warnings: string[],
): { items: T[]; warnings: string[] } {
  const text = p.get('limit');
  if (text === '') return { items, warnings };
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new PromBadDataError('invalid parameter "limit": must be a non-negative integer');
  if (n === 0 || items.length <= n) return { items, warnings };
  return { items: items.slice(0, n), warnings: [...warnings, 'results truncated due to limit'] };
}

const sorted = (a: Iterable<string>): string[] => [...a].sort();

/** `/api/v1/series`: the label sets of matching series with samples in the range. */
export async function seriesList(queries: QueryService, p: PromParams): Promise<string> {
  const found = await matching(queries, p, true);
  const sets = found.series
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
  const { items, warnings } = limited(sets, p, found.warnings);
  return successBody(items, { warnings });
}

/** `/api/v1/labels`: label names of the matching series, sorted. */
export async function labelNames(queries: QueryService, p: PromParams): Promise<string> {
  const names = new Set<string>();
  const found = await matching(queries, p, false);
  for (const s of found.series)
    for (const [k, v] of Object.entries(s.labels)) if (v !== '') names.add(k);
  const { items, warnings } = limited(sorted(names), p, found.warnings);
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
  const found = await matching(queries, p, false);
  for (const s of found.series) {
    const v = s.labels[name];
    if (v !== undefined && v !== '') values.add(v);
  }
  const { items, warnings } = limited(sorted(values), p, found.warnings);
  return successBody(items, { warnings });
}
