import { Logger } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { parseSeriesKey, type SeriesEntry } from '@ztsdb/model';

export interface KnownSeries extends SeriesEntry {
  seriesId: bigint;
}

/** Glob with `*` (any run of characters) and `?` (one character). */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** A live copy of KV `ztsdb_series`, kept current by a watch. */
export class SeriesRegistry {
  private readonly log = new Logger('query');
  private readonly byName = new Map<string, KnownSeries>();
  private stopWatch: (() => void) | undefined;
  ready = false;

  constructor(private readonly kv: KV) {}

  async start(): Promise<void> {
    const watch = await this.kv.watch();
    this.stopWatch = () => watch.stop();
    let resolveReady!: () => void;
    const initial = new Promise<void>((r) => (resolveReady = r));
    void (async () => {
      for await (const e of watch) {
        if (e.operation === 'PUT') this.apply(e.key, e.string());
        if (e.delta === 0 && !this.ready) {
          this.ready = true;
          resolveReady();
        }
      }
    })();
    // An empty bucket sends no entry, so "ready" cannot wait for one.
    const status = await this.kv.status();
    if (status.values === 0) {
      this.ready = true;
      resolveReady();
    }
    await initial;
  }

  private apply(key: string, json: string): void {
    const id = parseSeriesKey(key);
    if (id === undefined) return;
    try {
      const entry = JSON.parse(json) as SeriesEntry;
      if (typeof entry.name !== 'string') return;
      this.byName.set(entry.name, { ...entry, seriesId: id });
    } catch {
      this.log.warn(`series registry entry ${key} is not JSON; ignored`);
    }
  }

  get(name: string): KnownSeries | undefined {
    return this.byName.get(name);
  }

  /** Series whose name matches the glob, sorted by name. */
  match(glob: string): KnownSeries[] {
    const re = globToRegExp(glob);
    return [...this.byName.values()].filter((s) => re.test(s.name)).sort((a, b) => a.name.localeCompare(b.name));
  }

  get size(): number {
    return this.byName.size;
  }

  stop(): void {
    this.stopWatch?.();
  }
}
