/** How a slot of a reading turns into output: a counter becomes a rate, a gauge is passed through. */
export type CounterKind = 'counter' | 'gauge';

export interface RateCalculatorOptions {
  /** One entry per slot of a reading. */
  kinds: readonly CounterKind[];
  /** Multiplier of each counter's per-second rate (default 1); e.g. CPU_NS_TO_PERCENT for ns of CPU time. */
  scales?: readonly number[];
  /** Readings closer than this to the previous one are skipped (default 100 ms). */
  minIntervalMs?: number;
}

/** Scale of a CPU-ns counter's per-second rate that gives percent of one core: Δns / elapsed ns × 100. */
export const CPU_NS_TO_PERCENT = 100 / 1e9;

/** Percent of one core: Δns / elapsed ns × 100. */
export function cpuPercent(deltaNs: number, elapsedNs: number): number {
  return (deltaNs / elapsedNs) * 100;
}

/** What readings are kept apart by: a cgroup id, or any string. */
export type RateKey = bigint | string;

interface Previous {
  tMs: number;
  values: Float64Array;
}

/**
 * Turns successive readings of counters into rates, keeping one previous reading per key
 * (a cgroup id) in a Float64Array allocated once per key.
 *
 * - rate = Δ / Δt per second (× scale);
 * - a reading less than minIntervalMs after the previous one gives no output and is
 *   dropped, so the previous one stays the base and the next rate spans the whole time;
 * - a counter lower than before was reset: its delta is its current value;
 * - NaN (counter unknown) in either reading gives NaN for that slot;
 * - gauges are output as read.
 */
export class RateCalculator {
  readonly width: number;
  readonly minIntervalMs: number;
  private readonly isCounter: Uint8Array;
  private readonly scales: Float64Array;
  private readonly prev = new Map<RateKey, Previous>();

  constructor(opts: RateCalculatorOptions) {
    this.width = opts.kinds.length;
    this.minIntervalMs = opts.minIntervalMs ?? 100;
    this.isCounter = new Uint8Array(this.width);
    this.scales = new Float64Array(this.width).fill(1);
    for (let i = 0; i < this.width; i++) {
      this.isCounter[i] = opts.kinds[i] === 'counter' ? 1 : 0;
      const s = opts.scales?.[i];
      if (s !== undefined) this.scales[i] = s;
    }
  }

  get size(): number {
    return this.prev.size;
  }

  has(key: RateKey): boolean {
    return this.prev.has(key);
  }

  /** Time (ms, the caller's clock) of the reading rates are now taken from, if any. */
  lastTime(key: RateKey): number | undefined {
    return this.prev.get(key)?.tMs;
  }

  forget(key: RateKey): void {
    this.prev.delete(key);
  }

  /**
   * Records a reading taken at `tMs` (a monotonic clock, ms). Returns true when `out`
   * (width slots) now holds rates since the previous reading; false for a first reading
   * or one too close to the previous (then `out` is untouched).
   */
  update(key: RateKey, tMs: number, values: ArrayLike<number>, out: Float64Array): boolean {
    const p = this.prev.get(key);
    if (!p) {
      const v = new Float64Array(this.width);
      for (let i = 0; i < this.width; i++) v[i] = values[i]!;
      this.prev.set(key, { tMs, values: v });
      return false;
    }
    const dtMs = tMs - p.tMs;
    if (!(dtMs >= this.minIntervalMs)) return false;
    const perSecond = 1000 / dtMs;
    const pv = p.values;
    for (let i = 0; i < this.width; i++) {
      const cur = values[i]!;
      if (this.isCounter[i] === 0) {
        out[i] = cur;
      } else {
        const before = pv[i]!;
        if (Number.isNaN(before) || Number.isNaN(cur)) out[i] = NaN;
        else out[i] = (cur >= before ? cur - before : cur) * perSecond * this.scales[i]!; // went down: a reset
      }
      pv[i] = cur;
    }
    p.tMs = tMs;
    return true;
  }
}
