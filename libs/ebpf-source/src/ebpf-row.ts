import { COUNTER_CPU_NS, COUNTER_COUNT, COUNTER_METRICS, CPU_NS_TO_PERCENT } from '@ztsdb/cgroup';
import type { CounterKind } from '@ztsdb/cgroup';
import type { CgroupCounters } from '@ztsdb/ebpf';
import { MAPPED_BYTES_METRIC, MEMORY_TOTAL_METRIC } from '@ztsdb/model';

/*
 * One reading of a container as the eBPF source keeps it: the cgroup-file slots of
 * readCgroupCounters first (slot 0, CPU, from cpu.stat, or from the BPF map where
 * the cgroup has no CPU file), then the network and mmap counters of the BPF map.
 */
export const ROW_CPU_NS = COUNTER_CPU_NS;
export const ROW_RX_BYTES = COUNTER_COUNT;
export const ROW_TX_BYTES = COUNTER_COUNT + 1;
export const ROW_RX_PACKETS = COUNTER_COUNT + 2;
export const ROW_TX_PACKETS = COUNTER_COUNT + 3;
export const ROW_MAPPED_BYTES = COUNTER_COUNT + 4;
export const ROW_WIDTH = COUNTER_COUNT + 5;

/** The metric each slot becomes. */
export const ROW_METRICS: readonly string[] = [
  ...COUNTER_METRICS,
  'container.net.rx.bytes',
  'container.net.tx.bytes',
  'container.net.rx.packets',
  'container.net.tx.packets',
  MAPPED_BYTES_METRIC,
];

/** Memory (both) is a gauge; every other slot is a counter turned into a per-second rate. */
export const ROW_KINDS: readonly CounterKind[] = ROW_METRICS.map((m) =>
  m === 'container.memory.bytes' || m === MEMORY_TOTAL_METRIC ? 'gauge' : 'counter',
);

/** CPU ns → percent of one core; the rest per second as they are. */
export const ROW_SCALES: readonly number[] = ROW_METRICS.map((_, i) =>
  i === ROW_CPU_NS ? CPU_NS_TO_PERCENT : 1,
);

/** Copies the BPF counters of one cgroup into their slots (NaN for all when `c` is undefined). */
export function putBpfCounters(row: Float64Array, c: CgroupCounters | undefined): void {
  if (!c) {
    row[ROW_CPU_NS] = NaN;
    row.fill(NaN, ROW_RX_BYTES, ROW_WIDTH);
    return;
  }
  row[ROW_CPU_NS] = c.cpuTimeNs;
  row[ROW_RX_BYTES] = c.rxBytes;
  row[ROW_TX_BYTES] = c.txBytes;
  row[ROW_RX_PACKETS] = c.rxPackets;
  row[ROW_TX_PACKETS] = c.txPackets;
  row[ROW_MAPPED_BYTES] = c.mappedBytes;
}

/** Copies the cgroup-file slots (CPU, memory and block I/O) of `from` into `row`. */
export function putFileCounters(row: Float64Array, from: Float64Array): void {
  for (let i = 0; i < COUNTER_COUNT; i++) row[i] = from[i]!;
}
