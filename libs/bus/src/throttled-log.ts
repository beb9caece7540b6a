/**
 * Writes at most one line per key and interval, so a flood of bad messages
 * or a long outage (disk full) shows as a steady trickle rather than one line
 * per event; the next line written says how many were held back.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { atMs: number; held: number }>();

  constructor(
    private readonly write: (msg: string) => void,
    readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `msg` unless a line of the same `key` went out less than an interval ago; true when written. */
  log(key: string, msg: string): boolean {
    const t = this.now();
    const prev = this.last.get(key);
    if (prev && t - prev.atMs < this.intervalMs) {
      prev.held++;
      return false;
    }
    const held = prev?.held ?? 0;
    this.write(held > 0 ? `${msg} (${held} more like it since the last report)` : msg);
    this.last.set(key, { atMs: t, held: 0 });
    return true;
  }

  /** Forgets `key`, so its next line is written at once (the condition it reported is over). */
  reset(key: string): void {
    this.last.delete(key);
  }
}
