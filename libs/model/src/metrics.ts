/** The ten metrics every container gets, plus eBPF's mapped-bytes extra. */
export const METRICS = [
  'container.cpu.usage',
  'container.memory.bytes',
  'container.net.rx.bytes',
  'container.net.tx.bytes',
  'container.net.rx.packets',
  'container.net.tx.packets',
  'container.block.read.bytes',
  'container.block.write.bytes',
  'container.block.read.ops',
  'container.block.write.ops',
] as const;

export type MetricName = (typeof METRICS)[number];

/** Only the eBPF source measures it; it is a rate of bytes mapped, not memory in use. */
export const MAPPED_BYTES_METRIC = 'container.memory.mapped.bytes';

/**
 * Memory usage including the page cache (cgroup `memory.current`, cAdvisor's usage), beside
 * container.memory.bytes, the working set (usage minus inactive file cache). Outside DESIGN's
 * ten metrics: a source that cannot tell the two apart leaves it out.
 */
export const MEMORY_TOTAL_METRIC = 'container.memory.total.bytes';

export interface MetricInfo {
  unit: string;
  /** true: value is a per-second rate of a counter; false: a gauge. */
  rate: boolean;
  help: string;
}

export const METRIC_INFO: Record<
  MetricName | typeof MAPPED_BYTES_METRIC | typeof MEMORY_TOTAL_METRIC,
  MetricInfo
> = {
  'container.cpu.usage': { unit: 'percent', rate: true, help: 'CPU time as percent of one core' },
  'container.memory.bytes': { unit: 'bytes', rate: false, help: 'Current memory usage' },
  'container.net.rx.bytes': { unit: 'bytes/s', rate: true, help: 'Bytes received per second' },
  'container.net.tx.bytes': { unit: 'bytes/s', rate: true, help: 'Bytes sent per second' },
  'container.net.rx.packets': {
    unit: 'packets/s',
    rate: true,
    help: 'Packets received per second',
  },
  'container.net.tx.packets': { unit: 'packets/s', rate: true, help: 'Packets sent per second' },
  'container.block.read.bytes': {
    unit: 'bytes/s',
    rate: true,
    help: 'Block bytes read per second',
  },
  'container.block.write.bytes': {
    unit: 'bytes/s',
    rate: true,
    help: 'Block bytes written per second',
  },
  'container.block.read.ops': {
    unit: 'ops/s',
    rate: true,
    help: 'Block read operations per second',
  },
  'container.block.write.ops': {
    unit: 'ops/s',
    rate: true,
    help: 'Block write operations per second',
  },
  'container.memory.total.bytes': {
    unit: 'bytes',
    rate: false,
    help: 'Memory usage including the page cache',
  },
  'container.memory.mapped.bytes': {
    unit: 'bytes/s',
    rate: true,
    help: 'Bytes mapped with mmap per second',
  },
};

/** Prometheus-style `__name__` label: dots become underscores. */
export function promName(metric: string): string {
  return metric.replace(/\./g, '_');
}
