import { METRICS, type CollectResult, type ContainerRates, type MetricSource } from '@ztsdb/model';
import { SyntheticFleet } from './synthetic-fleet';

/** A MetricSource for demos, tests and benchmarks: no kernel needed. */
export class SyntheticSource implements MetricSource {
  readonly kind = 'synthetic' as const;
  private readonly fleet: SyntheticFleet;
  private readonly row = new Float64Array(METRICS.length);

  constructor(containers: number, seed = 1, host = 'synthetic') {
    this.fleet = new SyntheticFleet(containers, seed, host);
  }

  get containers() {
    return this.fleet.containers;
  }

  async start(): Promise<void> {}

  async collect(nowMs: number): Promise<CollectResult> {
    const samples: ContainerRates[] = [];
    for (let i = 0; i < this.fleet.containers.length; i++) {
      this.fleet.next(i, this.row);
      const values: Record<string, number> = {};
      for (let m = 0; m < METRICS.length; m++) values[METRICS[m]!] = this.row[m]!;
      samples.push({ container: this.fleet.containers[i]!, timestampMs: nowMs, values });
    }
    return { samples, removed: [] };
  }

  async close(): Promise<void> {}
}
