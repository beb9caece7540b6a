import type { ContainerInfo } from './labels';

/** One container's metric values at one instant: rates per second, memory as a gauge. */
export interface ContainerRates {
  container: ContainerInfo;
  timestampMs: number;
  /** metric name (e.g. `container.cpu.usage`) → value. Metrics the source cannot measure are absent. */
  values: Record<string, number>;
}

export interface CollectResult {
  samples: ContainerRates[];
  /** Containers seen before and gone now; their last rates are already in `samples`. */
  removed: ContainerInfo[];
}

/**
 * Where the collector's numbers come from: synthetic, cgroupfs or eBPF.
 * `collect` is called once per tick and never throws for one bad container.
 */
export interface MetricSource {
  readonly kind: 'synthetic' | 'cgroupfs' | 'ebpf';
  start(): Promise<void>;
  collect(nowMs: number): Promise<CollectResult>;
  close(): Promise<void>;
}
