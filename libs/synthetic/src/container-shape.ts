import { gaussian, mulberry32 } from './random';

/**
 * How one simulated container behaves: noisy CPU around its own mean, memory
 * drifting slowly around a base, network and block I/O in bursts, and for
 * some containers mostly nothing at all.
 */
export class ContainerShape {
  private readonly rand: () => number;
  private readonly cpuMean: number;
  private readonly memBase: number;
  private memory: number;
  private readonly netRate: number;
  private readonly blockRate: number;
  private readonly idle: boolean;
  /** Page cache on top of the working set: grows with block reads, trimmed now and then. */
  private cache: number;
  private netBurst = 0;
  private blockBurst = 0;

  constructor(seed: number) {
    this.rand = mulberry32(seed);
    const r = this.rand;
    this.idle = r() < 0.3;
    this.cpuMean = this.idle ? 0.2 + r() : 2 + r() * 60;
    this.memBase = Math.round((32 + r() * 2000) * 1024 * 1024);
    this.memory = this.memBase;
    // Not from `r`: the values of the ten metrics stay what they were for a seed.
    this.cache = Math.round(this.memBase * 0.25);
    this.netRate = this.idle ? 0 : 2_000 + r() * 2_000_000;
    this.blockRate = r() < 0.5 ? 0 : 4_096 + r() * 4_000_000;
  }

  /**
   * Next tick's values, in METRICS order, written into `out` (length ≥ 10; an eleventh
   * slot gets the memory usage with the page cache).
   * CPU is percent with two decimals; rates are whole units per second.
   */
  next(out: Float64Array): void {
    const r = this.rand;
    const cpu = Math.max(0, this.cpuMean + gaussian(r) * this.cpuMean * 0.15);
    out[0] = Math.round(cpu * 100) / 100;
    // Memory: a bounded random walk around the base, in whole pages.
    this.memory += gaussian(r) * 256 * 1024;
    this.memory += (this.memBase - this.memory) * 0.01;
    out[1] = Math.max(4096, Math.round(this.memory / 4096) * 4096);
    // Bursts start rarely and decay; between them the rates are exactly zero.
    if (this.netRate > 0 && r() < 0.08) this.netBurst = 1 + r() * 4;
    this.netBurst = this.netBurst < 0.05 ? 0 : this.netBurst * 0.8;
    const rx = Math.round(this.netRate * this.netBurst);
    const tx = Math.round(rx * (0.2 + r() * 0.3));
    out[2] = rx;
    out[3] = tx;
    out[4] = Math.round(rx / 1400);
    out[5] = Math.round(tx / 1400);
    if (this.blockRate > 0 && r() < 0.05) this.blockBurst = 1 + r() * 3;
    this.blockBurst = this.blockBurst < 0.05 ? 0 : this.blockBurst * 0.7;
    const rd = Math.round((this.blockRate * this.blockBurst * 0.3) / 4096) * 4096;
    const wr = Math.round((this.blockRate * this.blockBurst) / 4096) * 4096;
    out[6] = rd;
    out[7] = wr;
    out[8] = Math.round(rd / 16384);
    out[9] = Math.round(wr / 16384);
    // Slot 10, when there: usage including the page cache (MEMORY_TOTAL_METRIC).
    if (out.length > 10) {
      this.cache = r() < 0.01 ? this.cache * 0.5 : this.cache + rd * 0.5;
      out[10] = out[1] + Math.round(this.cache / 4096) * 4096;
    }
  }
}
