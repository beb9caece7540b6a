/**
 * Log lines for a problem that can repeat thousands of times a second (bad
 * messages, a full disk): the first line of a key is written at once, the
 * next ones at most once per `intervalMs`, each saying how many were held back
 * since the previous line. Held-back counts are also written out when the
 * interval ends, so the last burst is never silent.
 */
export class RepeatedWarnings {
  private readonly keys = new Map<string, { lastAt: number; held: number; line: string }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (line: string) => void,
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports one occurrence of `key`; returns true when a line was written. */
  report(key: string, line: string): boolean {
    const t = this.now();
    const k = this.keys.get(key);
    if (k === undefined || t - k.lastAt >= this.intervalMs) {
      const held = k?.held ?? 0;
      this.keys.set(key, { lastAt: t, held: 0, line });
      this.write(held > 0 ? `${line} (${held} more like it since the last line)` : line);
      return true;
    }
    k.held++;
    k.line = line;
    this.arm();
    return false;
  }

  /** Writes the held-back counts whose interval has ended (called by the timer; tests call it). */
  flush(): void {
    const t = this.now();
    for (const [key, k] of this.keys) {
      if (t - k.lastAt < this.intervalMs) continue;
      if (k.held === 0) {
        this.keys.delete(key);
        continue;
      }
      this.write(`${k.line} (${k.held} more like it since the last line)`);
      k.lastAt = t;
      k.held = 0;
    }
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
      for (const k of this.keys.values()) if (k.held > 0) return this.arm();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Forgets `key`, so its next line is written at once (the condition it reported is over). */
  reset(key: string): void {
    this.keys.delete(key);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
