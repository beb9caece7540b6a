import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { CACHE_DIR } from '@ztsdb/config-lite';
import * as path from 'node:path';
import { objectNameOf, openTierBucket } from './tier-bucket';
import { TierCache } from './tier-cache';
import type { TierFileRef } from './object-download';

export interface TierStoreOptions {
  /** The service's own `ZTSDB_DATA_DIR`; the cache is its `cache/` folder. */
  dataDir: string;
  /** `ZTSDB_TIER_CACHE_BYTES`. */
  cacheBytes: number;
  /** `ZTSDB_REPLICAS`: copies of the bucket when this service creates it. */
  replicas: number;
  onEvict?: (file: string) => void;
  /** A prefetch made this file ready on this host. */
  onPrefetched?: (file: string) => void;
  warn: (m: string) => void;
}

/** An object of the bucket as its listing gives it. */
export interface BucketObject {
  name: string;
  bytes: number;
  /** When it was put (ms since the epoch). */
  mtimeMs: number;
}

/** Caches open in this process, by directory. */
const openCaches = new Map<string, TierCache>();

/**
 * A service's access to the tier files of the deployment: puts the files it
 * wrote into the bucket `ztsdb_tiers`, removes them once the manifest
 * recorded their removal, and reads any file through its own bounded cache.
 * A file in the data dir's own tier folders of the recorded size is read
 * there, not fetched: the compactor's own files, and in `ztsdb all` (one data
 * dir) the query service's too.
 */
export class TierStore {
  private constructor(
    private readonly bucket: ObjectStore,
    readonly cache: TierCache,
    private readonly dataDir: string,
  ) {}

  /**
   * Opens the bucket and the data dir's cache. Services of one process that
   * share a data dir (`ztsdb all`) share one cache, so one bound and one LRU
   * order cover the directory.
   */
  static async open(nc: NatsConnection, opts: TierStoreOptions): Promise<TierStore> {
    const dir = path.resolve(opts.dataDir, CACHE_DIR);
    let cache = openCaches.get(dir);
    if (!cache) {
      cache = new TierCache({
        dir,
        maxBytes: opts.cacheBytes,
        localDir: opts.dataDir,
        preferLocal: true,
        warn: opts.warn,
      });
      cache.start();
      openCaches.set(dir, cache);
    }
    if (opts.onEvict) cache.onEvict(opts.onEvict);
    if (opts.onPrefetched) cache.onPrefetched(opts.onPrefetched);
    const bucket = await openTierBucket(nc, opts.replicas);
    cache.objects ??= bucket;
    return new TierStore(bucket, cache, opts.dataDir);
  }

  /**
   * Puts a written and fsynced file (path relative to the data dir, `crc32c`
   * its checksum as its manifest event records it) into the bucket and
   * returns its object name, for the manifest event. Resolves once JetStream
   * stored every chunk (with `ZTSDB_REPLICAS` copies).
   */
  async upload(file: string, crc32c: number): Promise<string> {
    const name = objectNameOf(file, crc32c);
    const data = Readable.toWeb(
      fs.createReadStream(path.join(this.dataDir, file)),
    ) as unknown as ReadableStream<Uint8Array>;
    await this.bucket.put({ name }, data, { timeout: 10_000 });
    return name;
  }

  /** Deletes a file's object (after its removal is recorded) and its cached copy. */
  async remove(ref: Pick<TierFileRef, 'file' | 'object'>): Promise<void> {
    this.cache.drop(ref.file);
    if (ref.object !== undefined) await this.bucket.delete(ref.object);
  }

  /** Every object in the bucket, with its size and when it was put. */
  async objects(): Promise<BucketObject[]> {
    const infos = await this.bucket.list();
    return infos
      .filter((i) => !i.deleted)
      .map((i) => ({ name: i.name, bytes: i.size, mtimeMs: Date.parse(i.mtime) }));
  }

  /** Deletes an object no manifest event names (see the compactor's object sweep). */
  async deleteObject(name: string): Promise<void> {
    await this.bucket.delete(name);
  }

  /** See TierCache.ensure. */
  ensure(ref: TierFileRef): Promise<string> {
    return this.cache.ensure(ref);
  }
}
