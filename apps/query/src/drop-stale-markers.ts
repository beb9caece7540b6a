import { isStaleNaN } from '@ztsdb/promql';
import type { Points } from '@ztsdb/tsdb';

/**
 * The legacy answers (`/query`, `/series`, NATS `ztsdb.query` without `promql`, the CLI) have
 * no notion of staleness: a gone container's marker (a NaN with Prometheus's staleness bits) is
 * left out rather than shown as "NaN". Returns `p` itself when it holds none.
 */
export function dropStaleMarkers(p: Points): Points {
  const vs = p.values;
  let stale = 0;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (v !== v && isStaleNaN(v)) stale++;
  }
  if (stale === 0) return p;
  const n = vs.length - stale;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (v !== v && isStaleNaN(v)) continue;
    timestamps[k] = p.timestamps[i]!;
    values[k++] = v;
  }
  return { timestamps, values };
}
