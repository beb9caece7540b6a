/**
 * The log of a NATS outage while a service runs. The client tries to reconnect
 * every `retryMs` (a few times a second), so a line per attempt would flood the
 * log: the first attempt of an outage gets its line, then one line per
 * `everyMs` with the attempts so far and the time of the next one, and one
 * line when it is over. Plain class with a clock seam, unit-tested.
 */
export class OutageLog {
  private since: number | undefined;
  private attempts = 0;
  private lastLine = 0;

  constructor(
    private readonly url: string,
    private readonly warn: (msg: string) => void,
    private readonly info: (msg: string) => void,
    private readonly retryMs: number,
    private readonly everyMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `server`: the one the client lost (host:port), named when `url` lists a cluster's servers. */
  disconnected(server?: string): void {
    if (this.since !== undefined) return;
    this.since = this.now();
    this.attempts = 0;
    this.lastLine = this.since;
    this.warn(`disconnected from ${this.where(server)}; reconnecting every ${this.retryMs} ms`);
  }

  /** The client starts a reconnection attempt. */
  attempt(): void {
    this.disconnected();
    this.attempts++;
    const t = this.now();
    if (this.attempts > 1 && t - this.lastLine < this.everyMs) return;
    this.lastLine = t;
    this.warn(
      `NATS at ${this.url} unreachable for ${((t - this.since!) / 1000).toFixed(1)} s (attempt ${this.attempts}); next attempt at ${new Date(t + this.retryMs).toISOString()}`,
    );
  }

  /** `server`: the one the client reached (host:port), named when `url` lists a cluster's servers. */
  reconnected(server?: string): void {
    const s = this.since;
    this.since = undefined;
    this.info(
      s === undefined
        ? `reconnected to ${this.where(server)}`
        : `reconnected to ${this.where(server)} after ${this.attempts} attempts in ${((this.now() - s) / 1000).toFixed(1)} s`,
    );
  }

  /** With a list, which server of it; with one URL, that URL (as before). */
  private where(server: string | undefined): string {
    return server && this.url.includes(',') ? `${server} (NATS_URL ${this.url})` : this.url;
  }
}
