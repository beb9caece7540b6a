/** A one-line progress bar on stderr (redrawn in place on a terminal, a line every few seconds otherwise). */
export class ProgressBar {
  private last = 0;
  /** Off a terminal the 100 % line is printed once: by the final (forced) update. */
  private completeShown = false;
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly tty = process.stderr.isTTY === true,
    private readonly write: (s: string) => void = (s) => void process.stderr.write(s),
  ) {}

  update(done: number, detail: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < (this.tty ? 200 : 5000)) return;
    this.last = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    if (!this.tty && frac >= 1) {
      // The last chunk read and the final summary both reach 100 %: keep the final one.
      if (!force || this.completeShown) return;
      this.completeShown = true;
    }
    const width = 30;
    const filled = Math.round(frac * width);
    const secs = (now - this.started) / 1000;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1).padStart(5)}% ${detail} ${secs.toFixed(1)}s`;
    this.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  done(): void {
    if (this.tty) this.write('\n');
  }
}
