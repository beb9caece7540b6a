import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c } from '@ztsdb/checksum';
import { tempDir } from '@ztsdb/testing';
import { TIERSTORE_ERROR_CODES } from './errors';
import type { TierFileRef, TierObjects } from './object-download';
import { TierCache } from './tier-cache';

/** Objects in memory, delivered in 1 KiB pieces; `breakAfter` makes a download stop there. */
class MemoryObjects implements TierObjects {
  readonly blobs = new Map<string, Uint8Array>();
  gets = 0;
  breakAfter: number | undefined;

  get(name: string): ReturnType<TierObjects['get']> {
    this.gets++;
    const b = this.blobs.get(name);
    if (!b) return Promise.resolve(null);
    let off = 0;
    let fail: (e: Error | null) => void = () => undefined;
    const error = new Promise<Error | null>((r) => (fail = r));
    const stop = this.breakAfter;
    const data = new ReadableStream<Uint8Array>({
      pull(c) {
        if (stop !== undefined && off >= stop) {
          fail(new Error('connection lost'));
          c.close();
          return;
        }
        if (off >= b.length) {
          fail(null);
          c.close();
          return;
        }
        c.enqueue(b.subarray(off, Math.min(b.length, off + 1024)));
        off += 1024;
      },
    });
    return Promise.resolve({ data, error });
  }
}

const blob = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('TierCache', () => {
  const dirs: Array<{ remove(): void }> = [];
  afterAll(() => dirs.forEach((d) => d.remove()));

  const setup = (maxBytes = 1 << 20) => {
    const d = tempDir('ztsdb-tiercache-');
    dirs.push(d);
    const objects = new MemoryObjects();
    const evicted: string[] = [];
    const cache = new TierCache({
      dir: path.join(d.path, 'cache'),
      maxBytes,
      objects,
      onEvict: (f) => evicted.push(f),
    });
    cache.start();
    const put = (file: string, bytes: Uint8Array): TierFileRef => {
      objects.blobs.set(file, bytes);
      return { file, object: file, bytes: bytes.length, crc32c: crc32c(bytes) };
    };
    return { dir: d.path, objects, evicted, cache, put };
  };

  it('fetches an object once, byte for byte, under its manifest path', async () => {
    const { dir, objects, cache, put } = setup();
    const ref = put('warm/p1/seg-000000000001.warm', blob(5000, 1));
    expect(cache.readyPath(ref)).toBeUndefined();
    const [a, b] = await Promise.all([cache.ensure(ref), cache.ensure(ref)]);
    expect(a).toBe(path.join(dir, 'cache', 'warm/p1/seg-000000000001.warm'));
    expect(b).toBe(a);
    expect(objects.gets).toBe(1);
    expect(new Uint8Array(fs.readFileSync(a))).toEqual(objects.blobs.get(ref.file));
    expect(cache.readyPath(ref)).toBe(a);
    expect(cache.bytes).toBe(5000);
  });

  it('keeps within its bound by evicting the least recently used file', async () => {
    const { cache, put, evicted } = setup(10_000);
    const r1 = put('warm/p0/seg-000000000001.warm', blob(4000, 1));
    const r2 = put('warm/p0/seg-000000000002.warm', blob(4000, 2));
    const r3 = put('cold/p0/w0-g1.cold', blob(4000, 3));
    await cache.ensure(r1);
    await cache.ensure(r2);
    cache.readyPath(r1); // r1 used again: r2 is now the oldest
    await cache.ensure(r3);
    expect(evicted).toEqual([r2.file]);
    expect(cache.bytes).toBe(8000);
    expect(cache.readyPath(r2)).toBeUndefined();
    expect(fs.existsSync(cache.cachePath(r2.file))).toBe(false);
    expect(cache.readyPath(r1)).toBeDefined();
    // A file larger than the whole bound still serves, alone.
    const big = put('cold/p0/w0-g2.cold', blob(20_000, 4));
    await cache.ensure(big);
    expect(cache.files).toBe(1);
    expect(cache.readyPath(big)).toBeDefined();
  });

  it('refuses an object whose bytes are not the recorded file, and leaves nothing behind', async () => {
    const { cache, put } = setup();
    const ref = put('warm/p0/seg-000000000003.warm', blob(3000, 5));
    const wrongCrc = { ...ref, crc32c: (ref.crc32c + 1) >>> 0 };
    await expect(cache.ensure(wrongCrc)).rejects.toMatchObject({
      code: TIERSTORE_ERROR_CODES.objectMismatch,
      context: { object: ref.object },
    });
    const shorter = { ...ref, file: 'warm/p0/seg-000000000004.warm', bytes: 2000 };
    await expect(cache.ensure(shorter)).rejects.toMatchObject({
      code: TIERSTORE_ERROR_CODES.objectMismatch,
    });
    expect(fs.readdirSync(path.dirname(cache.cachePath(ref.file)))).toEqual([]);
    expect(cache.bytes).toBe(0);
  });

  it('reports a missing object and a broken-off download by file and object, then retries later', async () => {
    let now = 1_000_000;
    const d = tempDir('ztsdb-tiercache-');
    dirs.push(d);
    const objects = new MemoryObjects();
    const cache = new TierCache({
      dir: path.join(d.path, 'cache'),
      maxBytes: 1 << 20,
      objects,
      now: () => now,
    });
    cache.start();
    const missing = {
      file: 'cold/p2/w0-g7.cold',
      object: 'cold/p2/w0-g7.cold',
      bytes: 9,
      crc32c: 1,
    };
    await expect(cache.ensure(missing)).rejects.toMatchObject({
      code: TIERSTORE_ERROR_CODES.objectMissing,
      message: expect.stringContaining('cold/p2/w0-g7.cold'),
    });
    const b = blob(8000, 6);
    objects.blobs.set('warm/p3/seg-000000000001.warm', b);
    const ref = {
      file: 'warm/p3/seg-000000000001.warm',
      object: 'warm/p3/seg-000000000001.warm',
      bytes: b.length,
      crc32c: crc32c(b),
    };
    objects.breakAfter = 3072;
    await expect(cache.ensure(ref)).rejects.toMatchObject({
      code: TIERSTORE_ERROR_CODES.fetchFailed,
      message: expect.stringMatching(/3072 of 8000 bytes/),
    });
    expect(fs.readdirSync(path.dirname(cache.cachePath(ref.file)))).toEqual([]);
    objects.breakAfter = undefined;
    const gets = objects.gets;
    await expect(cache.ensure(ref)).rejects.toMatchObject({
      code: TIERSTORE_ERROR_CODES.fetchFailed,
    });
    expect(objects.gets).toBe(gets); // remembered, not asked again at once
    now += 10_000;
    await expect(cache.ensure(ref)).resolves.toBe(cache.cachePath(ref.file));
  });

  it('after a restart, removes temporary files and checks cached files before their first use', async () => {
    const { dir, cache, put, objects } = setup();
    const good = put('warm/p0/seg-000000000005.warm', blob(2048, 7));
    const bad = put('warm/p0/seg-000000000006.warm', blob(2048, 8));
    await cache.ensure(good);
    await cache.ensure(bad);
    const tmp = path.join(dir, 'cache', 'warm/p0/.seg-000000000007.warm.1.1.tmp');
    fs.writeFileSync(tmp, 'partial');
    fs.writeFileSync(cache.cachePath(bad.file), blob(2048, 9)); // damaged on disk
    const again = new TierCache({ dir: path.join(dir, 'cache'), maxBytes: 1 << 20, objects });
    again.start();
    expect(fs.existsSync(tmp)).toBe(false);
    expect(again.files).toBe(2);
    expect(again.readyPath(good)).toBeUndefined(); // not yet checked
    const gets = objects.gets;
    await again.ensure(good);
    expect(objects.gets).toBe(gets); // the copy on disk was right
    await again.ensure(bad);
    expect(objects.gets).toBe(gets + 1); // fetched again
    expect(new Uint8Array(fs.readFileSync(again.cachePath(bad.file)))).toEqual(
      objects.blobs.get(bad.file),
    );
  });

  it('reads an event without object from the local data dir, and prefers a local copy when told', async () => {
    const d = tempDir('ztsdb-tiercache-');
    dirs.push(d);
    const b = blob(1000, 10);
    fs.mkdirSync(path.join(d.path, 'warm/p0'), { recursive: true });
    fs.writeFileSync(path.join(d.path, 'warm/p0/seg-000000000001.warm'), b);
    const objects = new MemoryObjects();
    const cache = new TierCache({
      dir: path.join(d.path, 'cache'),
      maxBytes: 1 << 20,
      objects,
      localDir: d.path,
      preferLocal: true,
    });
    cache.start();
    const legacy = { file: 'warm/p0/seg-000000000001.warm', bytes: b.length, crc32c: crc32c(b) };
    expect(cache.readyPath(legacy)).toBe(path.join(d.path, legacy.file));
    await expect(cache.ensure({ ...legacy, object: legacy.file })).resolves.toBe(
      path.join(d.path, legacy.file),
    );
    expect(objects.gets).toBe(0);
  });

  it('prefetches announced files one at a time, skipping those no longer wanted', async () => {
    const { cache, put, objects } = setup();
    const a = put('warm/p0/seg-000000000008.warm', blob(1500, 11));
    const b = put('warm/p0/seg-000000000009.warm', blob(1500, 12));
    cache.prefetch(a, () => false);
    cache.prefetch(b);
    await new Promise<void>((resolve) => {
      const check = (): void => (cache.readyPath(b) ? resolve() : void setTimeout(check, 5));
      check();
    });
    expect(cache.readyPath(a)).toBeUndefined();
    expect(objects.gets).toBe(1);
  });

  it('tells its listeners of each file a prefetch made ready, not of failed or unwanted ones', async () => {
    const { cache, put } = setup();
    const ready: string[] = [];
    cache.onPrefetched((f) => ready.push(f));
    const a = put('cold/p0/seg-000000000010.cold', blob(1500, 13));
    const b = put('cold/p0/seg-000000000011.cold', blob(1500, 14));
    const missing: TierFileRef = { ...b, file: 'cold/p0/seg-000000000012.cold', object: 'gone' };
    cache.prefetch(a, () => false);
    cache.prefetch(missing);
    cache.prefetch(b);
    await new Promise<void>((resolve) => {
      const check = (): void => (ready.length > 0 ? resolve() : void setTimeout(check, 5));
      check();
    });
    expect(ready).toEqual([b.file]);
  });
});
