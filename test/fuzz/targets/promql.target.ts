import { parsePromQL, typeOf } from '@ztsdb/promql';
import { check, decodeOrTyped, type FuzzTarget } from '../fuzz-target';

/**
 * The PromQL parser on arbitrary text: an expression with a value type, or a
 * typed parse error (400 bad_data); never a TypeError from the grammar's tree
 * or a regex engine that backtracks.
 */
export const promqlTarget: FuzzTarget = {
  name: 'promql',
  description: 'libs/promql parsePromQL (query, query_range and ztsdb.query "promql")',
  run(data) {
    const text = Buffer.from(data).toString('utf8');
    const expr = decodeOrTyped('parsePromQL', () => parsePromQL(text));
    if (expr === undefined) return;
    const t = typeOf(expr);
    check(
      t === 'scalar' || t === 'string' || t === 'vector' || t === 'matrix',
      `an expression of unknown type ${String(t)}`,
    );
  },
  seeds() {
    return [
      'container_cpu_usage{container_id="abc123def456"}',
      'sum by (image) (avg_over_time(container_net_rx_bytes[5m]))',
      'topk(5, avg_over_time(container_cpu_usage[5m]))',
      'quantile_over_time(0.99, container_cpu_usage[1m] offset 5m @ end())',
      'histogram_quantile(0.9, sum by (le) (rate(http_bucket[5m])))',
      'rate(x[5m:30s]) / on(a) group_left(b) y > bool 2',
      '{__name__=~"container_.*", image!~"a|b"} unless z or -1e3',
      'label_replace(up, "a", "$1", "b", "(.*)")',
      '(((1))',
      'sum(',
      'x[5m',
      '{a="\\u00e9\\x41"}',
    ].map((s) => new TextEncoder().encode(s));
  },
};
