import type { PartitionColumns } from '@ztsdb/producer';

/** A series that ends: its id and partition. */
export interface EndingSeries {
  id: bigint;
  partition: number;
}

/**
 * Prometheus's staleness marker: a signalling NaN with this exact bit pattern. A series whose
 * latest sample is the marker is gone; PromQL stops showing it at once instead of for the whole
 * lookback window. Built through a Float64Array (not a literal or a plain array, where V8 may
 * quieten it to 0x7ff8000000000002).
 */
export const STALE_MARKER_BITS = 0x7ff0000000000002n;
const word = new BigUint64Array([STALE_MARKER_BITS]);
export const STALE_MARKER = new Float64Array(word.buffer)[0]!;

/**
 * Columns of one staleness marker for each series of containers that are gone, per partition,
 * ready for the sample batch encoder (the values stay in Float64Arrays, so the marker's bits
 * reach the wire unchanged). The marker sits one millisecond after the tick: a source reports a
 * container's last reading in the same tick that finds it gone, and a marker at the tick's own
 * time would replace that reading (one value per series and timestamp, latest write wins).
 */
export function staleMarkerColumns(
  gone: readonly EndingSeries[],
  tickMs: number,
): PartitionColumns[] {
  const byPartition = new Map<number, EndingSeries[]>();
  for (const r of gone) {
    let l = byPartition.get(r.partition);
    if (!l) byPartition.set(r.partition, (l = []));
    l.push(r);
  }
  const out: PartitionColumns[] = [];
  for (const [partition, refs] of byPartition) {
    const n = refs.length;
    const cols: PartitionColumns = {
      partition,
      count: n,
      ids: new BigUint64Array(n),
      timestamps: new Float64Array(n).fill(tickMs + 1),
      values: new Float64Array(n).fill(STALE_MARKER),
    };
    refs.forEach((r, i) => (cols.ids[i] = r.id));
    out.push(cols);
  }
  return out;
}
