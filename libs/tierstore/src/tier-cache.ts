import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c } from '@ztsdb/checksum';
import { isAtomicTempName } from '@ztsdb/fileutil';
import { TierFetchError, TIERSTORE_ERROR_CODES } from './errors';
import { downloadObject, type TierFileRef, type TierObjects } from './object-download';

/** Default bound of the cache directory: 2 GiB. */
export const DEFAULT_TIER_CACHE_BYTES = 2 * 1024 * 1024 * 1024;
/** A failed fetch is not tried again for this long (a query reads a file once per series). */
const RETRY_AFTER_MS = 5_000;

export interface TierCacheOptions {
  /** The cache directory (`<ZTSDB_DATA_DIR>/cache`); files keep their manifest path under it. */
  dir: string;
  /** Bound of the bytes in the cache; the least recently used files go first. */
  maxBytes: number;
  /** Where objects come from; without it only local files are found. */
  objects?: TierObjects;
  /**
   * The service's own data dir, where files it wrote itself lie (the
   * compactor) and where events without an object name put a file (a
   * deployment from before the object store). Undefined: cache only.
   */
  localDir?: string;
  /**
   * Use a file of `localDir` of the recorded size before the cache: one this
   * data dir's compactor wrote (the compactor itself, or `ztsdb all`).
   */
  preferLocal?: boolean;
  /** Called when a file leaves the cache, so a reader holding it open lets go. */
  onEvict?: (file: string) => void;
  /** Called when a prefetch made a file ready, so a reader can open and check it before a query needs it. */
  onPrefetched?: (file: string) => void;
  warn?: (m: string) => void;
  now?: () => number;
}

interface Entry {
  bytes: number;
  /** Found on disk at start: its checksum is checked on first use. */
  verified: boolean;
}

/**
 * The local copies of tier files on one host: fetched from the object store
 * on demand, checked against the manifest's size and CRC-32C, written
 * through a temporary name, fsync and rename, and bounded in bytes with the
 * least recently used out. Readers mmap the path it hands back, exactly as
 * they would a file written here. Removing a mapped file is safe: the
 * mapping lives until its reader closes it (`onEvict` tells the reader).
 */
export class TierCache {
  /** Insertion order is use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly failed = new Map<string, { until: number; err: TierFetchError }>();
  private readonly queue: TierFileRef[] = [];
  /** Files found in `localDir` (preferLocal), by manifest path. */
  private readonly local = new Map<string, string>();
  private readonly evictListeners: Array<(file: string) => void> = [];
  private readonly prefetchedListeners: Array<(file: string) => void> = [];
  private prefetching = false;
  private total = 0;

  /** Where objects come from (set once the bucket is open). */
  objects: TierObjects | undefined;

  constructor(private readonly opts: TierCacheOptions) {
    if (opts.onEvict) this.evictListeners.push(opts.onEvict);
    if (opts.onPrefetched) this.prefetchedListeners.push(opts.onPrefetched);
    this.objects = opts.objects;
  }

  /** Adds a reader to tell when a file leaves the cache. */
  onEvict(listener: (file: string) => void): void {
    this.evictListeners.push(listener);
  }

  /** Adds a reader to tell when a prefetch made a file ready. */
  onPrefetched(listener: (file: string) => void): void {
    this.prefetchedListeners.push(listener);
  }

  /** Takes stock of the cache directory: removes temporary files, keeps the rest as unverified entries, oldest first. */
  start(): void {
    fs.mkdirSync(this.opts.dir, { recursive: true });
    const found: { file: string; bytes: number; mtimeMs: number }[] = [];
    const walk = (rel: string): void => {
      for (const d of fs.readdirSync(path.join(this.opts.dir, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) walk(r);
        else if (isAtomicTempName(d.name)) {
          // Not a download of this process (`ztsdb all` opens the cache once, but be sure).
          if (!d.name.includes(`.${process.pid}.`))
            fs.rmSync(path.join(this.opts.dir, r), { force: true });
        } else if (d.isFile()) {
          const st = fs.statSync(path.join(this.opts.dir, r));
          found.push({ file: r, bytes: st.size, mtimeMs: st.mtimeMs });
        }
      }
    };
    walk('');
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of found) this.add(f.file, f.bytes, false);
    this.evict(undefined);
  }

  /** Bytes of the files in the cache. */
  get bytes(): number {
    return this.total;
  }

  get files(): number {
    return this.entries.size;
  }

  /** Where a tier file lies in the cache (whether or not it is there). */
  cachePath(file: string): string {
    return path.join(this.opts.dir, file);
  }

  /**
   * The path to read `ref` from when it is ready without any I/O (verified in
   * the cache, or the local file of an event without object), else undefined.
   * Marks it used.
   */
  readyPath(ref: TierFileRef): string | undefined {
    if (ref.object === undefined) return this.localPath(ref);
    const local = this.local.get(ref.file);
    if (local !== undefined) return local;
    const e = this.entries.get(ref.file);
    if (!e?.verified) return undefined;
    this.touch(ref.file, e);
    return this.cachePath(ref.file);
  }

  /** Whether readyPath(ref) gives a path, without building it (asked per series by a query). */
  isReady(ref: TierFileRef): boolean {
    if (ref.object === undefined) return this.opts.localDir !== undefined;
    if (this.local.has(ref.file)) return true;
    const e = this.entries.get(ref.file);
    if (!e?.verified) return false;
    this.touch(ref.file, e);
    return true;
  }

  /**
   * The path to read `ref` from, fetching it first when needed. Concurrent
   * calls for one file share one download; a failure is remembered for a few
   * seconds so a query over many series does not ask for it again each time.
   */
  ensure(ref: TierFileRef): Promise<string> {
    const ready = this.readyPath(ref);
    if (ready !== undefined) return Promise.resolve(ready);
    let p = this.inflight.get(ref.file);
    if (!p) {
      p = this.bring(ref).finally(() => this.inflight.delete(ref.file));
      this.inflight.set(ref.file, p);
    }
    return p;
  }

  /** Fetches recently announced files in the background, one at a time; failures are only logged. */
  prefetch(ref: TierFileRef, stillWanted: () => boolean = () => true): void {
    if (ref.object === undefined || this.entries.has(ref.file)) return;
    this.queue.push(ref);
    this.wanted.set(ref.file, stillWanted);
    if (!this.prefetching) void this.drain();
  }

  private readonly wanted = new Map<string, () => boolean>();

  private async drain(): Promise<void> {
    this.prefetching = true;
    try {
      await null; // after the caller's turn: the event that announced the file is applied by then
      for (let ref = this.queue.shift(); ref; ref = this.queue.shift()) {
        const want = this.wanted.get(ref.file);
        this.wanted.delete(ref.file);
        if (want && !want()) continue;
        const ready = await this.ensure(ref).then(
          () => true,
          (e: Error) => {
            this.opts.warn?.(`prefetch of ${ref.file}: ${e.message}`);
            return false;
          },
        );
        if (ready) for (const l of this.prefetchedListeners) l(ref.file);
      }
    } finally {
      this.prefetching = false;
    }
  }

  /** Removes a file from the cache (its removal is recorded in the manifest). */
  drop(file: string): void {
    const wasLocal = this.local.delete(file);
    const e = this.entries.get(file);
    if (e) {
      this.entries.delete(file);
      this.total -= e.bytes;
      fs.rmSync(this.cachePath(file), { force: true });
    }
    if (e || wasLocal) for (const l of this.evictListeners) l(file);
  }

  private localPath(ref: TierFileRef): string | undefined {
    if (this.opts.localDir === undefined) return undefined;
    const full = path.join(this.opts.localDir, ref.file);
    if (ref.object !== undefined) {
      try {
        if (fs.statSync(full).size === ref.bytes) return full;
      } catch {
        // not here: the object store has it
      }
      return undefined;
    }
    return full;
  }

  private async bring(ref: TierFileRef): Promise<string> {
    if (this.opts.preferLocal && ref.object !== undefined) {
      const local = this.localPath(ref);
      if (local !== undefined) {
        this.local.set(ref.file, local);
        return local;
      }
    }
    const target = this.cachePath(ref.file);
    const e = this.entries.get(ref.file);
    if (e && !e.verified) {
      if (await matches(target, ref)) {
        e.verified = true;
        this.touch(ref.file, e);
        return target;
      }
      this.opts.warn?.(
        `cached ${ref.file} is not the file the manifest recorded; fetching it again`,
      );
      this.drop(ref.file);
    }
    if (ref.object === undefined || !this.objects)
      throw new TierFetchError(
        TIERSTORE_ERROR_CODES.noSource,
        `${ref.file} is not on this host and ${ref.object === undefined ? 'its manifest event names no object' : 'no object store is connected'}`,
        { file: target },
      );
    const failed = this.failed.get(ref.file);
    const now = (this.opts.now ?? Date.now)();
    if (failed && failed.until > now) throw failed.err;
    try {
      await downloadObject(this.objects, { ...ref, object: ref.object }, target);
    } catch (err) {
      if (err instanceof TierFetchError)
        this.failed.set(ref.file, { until: now + RETRY_AFTER_MS, err });
      throw err;
    }
    this.failed.delete(ref.file);
    this.add(ref.file, ref.bytes, true);
    this.evict(ref.file);
    return target;
  }

  private add(file: string, bytes: number, verified: boolean): void {
    const old = this.entries.get(file);
    if (old) this.total -= old.bytes;
    this.entries.delete(file);
    this.entries.set(file, { bytes, verified });
    this.total += bytes;
  }

  private touch(file: string, e: Entry): void {
    this.entries.delete(file);
    this.entries.set(file, e);
  }

  /** Drops least recently used files until the cache fits its bound; `keep` (just fetched) stays. */
  private evict(keep: string | undefined): void {
    for (const [file] of this.entries) {
      if (this.total <= this.opts.maxBytes) return;
      if (file === keep || this.inflight.has(file)) continue;
      this.drop(file);
    }
  }
}

/** Whether a file on disk has the recorded size and CRC-32C. */
async function matches(full: string, ref: TierFileRef): Promise<boolean> {
  try {
    const b = await fs.promises.readFile(full);
    return b.length === ref.bytes && crc32c(b) === ref.crc32c;
  } catch {
    return false;
  }
}
