import {
  MEMORY_TOTAL_METRIC,
  METRICS,
  type CollectResult,
  type ContainerInfo,
  type ContainerRates,
  type MetricSource,
} from '@ztsdb/model';
import { mulberry32 } from './random';
import { SyntheticFleet } from './synthetic-fleet';

/**
 * A MetricSource for demos, tests and benchmarks: no kernel needed. With a `lifetimeMs`
 * (ZTSDB_SYNTHETIC_LIFETIME) containers come and go like a real fleet's: each lives between
 * half and one and a half times that long, then is reported removed and a new container (new
 * id and name) takes its place; 0 keeps the same containers for ever.
 */
export class SyntheticSource implements MetricSource {
  readonly kind = 'synthetic' as const;
  private readonly fleet: SyntheticFleet;
  /** METRICS, then MEMORY_TOTAL_METRIC. */
  private readonly row = new Float64Array(METRICS.length + 1);
  private readonly rand: () => number;
  /** When each container slot's current container goes (ms); empty without churn. */
  private readonly endsAt: Float64Array;

  constructor(
    containers: number,
    seed = 1,
    host = 'synthetic',
    private readonly lifetimeMs = 0,
  ) {
    this.fleet = new SyntheticFleet(containers, seed, host);
    this.rand = mulberry32(seed ^ 0x5eed);
    this.endsAt = new Float64Array(lifetimeMs > 0 ? containers : 0).fill(NaN);
  }

  get containers() {
    return this.fleet.containers;
  }

  async start(): Promise<void> {}

  async collect(nowMs: number): Promise<CollectResult> {
    const samples: ContainerRates[] = [];
    const removed: ContainerInfo[] = [];
    for (let i = 0; i < this.endsAt.length; i++) {
      // Staggered: the first containers' lives start at random points of a lifetime.
      if (Number.isNaN(this.endsAt[i]!)) this.endsAt[i] = nowMs + this.rand() * this.lifetimeMs;
      else if (nowMs >= this.endsAt[i]!) {
        removed.push(this.fleet.replace(i));
        this.endsAt[i] = nowMs + (0.5 + this.rand()) * this.lifetimeMs;
      }
    }
    for (let i = 0; i < this.fleet.containers.length; i++) {
      this.fleet.next(i, this.row);
      const values: Record<string, number> = {};
      for (let m = 0; m < METRICS.length; m++) values[METRICS[m]!] = this.row[m]!;
      values[MEMORY_TOTAL_METRIC] = this.row[METRICS.length]!;
      samples.push({ container: this.fleet.containers[i]!, timestampMs: nowMs, values });
    }
    return { samples, removed };
  }

  async close(): Promise<void> {}
}
