import { METRIC_INFO, promName } from '@ztsdb/model';
import type { QueryService } from '../query.service';
import { successBody } from './prom-json';
import type { PromParams } from './prom-params';

/** The version `/api/v1/status/buildinfo` reports: ztsdb's own (package.json's; a test keeps them equal). */
export const ZTSDB_VERSION = '0.1.0';

interface Meta {
  type: string;
  help: string;
  unit: string;
}

/** Type, help and unit of our own metrics, by their Prometheus name. */
const KNOWN = new Map<string, Meta>(
  Object.entries(METRIC_INFO).map(([metric, info]) => [
    promName(metric),
    // Every stored value is a gauge: rates are already per second, memory is a level.
    { type: 'gauge', help: info.help, unit: info.unit },
  ]),
);

/**
 * `/api/v1/metadata`: every metric name the registry holds, ours with their type, help and
 * unit, others as `unknown`. `metric` narrows to one name; `limit` caps the number of names.
 */
export async function metadata(queries: QueryService, p: PromParams): Promise<string> {
  const only = p.get('metric');
  const names = await queries.run(async () => {
    const out = new Set<string>();
    for (const s of await queries.registry.select({
      kind: 'matchers',
      matchers: [{ label: '__name__', op: '=~', value: '.+', re: { test: (v) => v !== '' } }],
    }))
      out.add(s.labels.__name__!);
    return [...out].sort();
  });
  const limit = Number(p.get('limit') || '-1');
  const data: Record<string, Meta[]> = {};
  for (const n of names) {
    if (only !== '' && n !== only) continue;
    if (limit >= 0 && Object.keys(data).length >= limit) break;
    data[n] = [KNOWN.get(n) ?? { type: 'unknown', help: '', unit: '' }];
  }
  return successBody(data);
}

/** `/api/v1/status/buildinfo`, with Prometheus's fields (Grafana reads `version`). */
export function buildInfo(): string {
  return successBody({
    version: ZTSDB_VERSION,
    revision: '',
    branch: '',
    buildUser: '',
    buildDate: '',
    goVersion: '',
  });
}

/** `/api/v1/query_exemplars`: ztsdb keeps no exemplars. */
export function exemplars(): string {
  return successBody([]);
}
