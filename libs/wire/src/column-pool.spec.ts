import { ColumnPool, FRESH_COLUMNS } from './column-pool';
import { decodeSampleBatch, encodeSampleBatch } from './sample-batch';
import { encodeSampleBatchV3 } from './sample-batch-v3';

const header = { partition: 1, producerId: 7n, sequence: 3n };

/** A batch of `n` points: series cycling through `k` ids, timestamps in runs, noisy values. */
function columns(n: number, k: number, seed: number) {
  const ids = new BigUint64Array(n);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = BigInt(1000 + (i % k)) * 4n + 1n;
    ts[i] = 1_700_000_000_000 + Math.floor(i / k) * 1000;
    vs[i] = Math.round(Math.sin(seed + i) * 1e4) / 100;
  }
  return { ids, ts, vs };
}

/** Everything a consumer reads of a batch, as plain arrays. */
function readAll(b: ReturnType<typeof decodeSampleBatch>) {
  return {
    ids: [...b.seriesIds],
    ts: [...b.timestamps],
    vs: [...b.values],
    index: b.seriesKeyIndex ? [...b.seriesKeyIndex] : undefined,
  };
}

describe('ColumnPool', () => {
  it('sheds its free buffers, and hands out fresh ones after', () => {
    const pool = new ColumnPool();
    const c = columns(16384, 2500, 1);
    const msg = encodeSampleBatch(header, c.ids, c.ts, c.vs, 16384);
    const first = decodeSampleBatch(msg, pool);
    const tsBuffer = first.timestamps.buffer;
    pool.release(first);
    expect(pool.freeCount).toBeGreaterThan(0);
    pool.shed();
    expect(pool.freeCount).toBe(0);
    const again = decodeSampleBatch(msg, pool);
    expect(again.timestamps.buffer).not.toBe(tsBuffer);
    expect(readAll(again)).toEqual(readAll(decodeSampleBatch(msg, FRESH_COLUMNS)));
    pool.release(again);
    expect(pool.freeCount).toBeGreaterThan(0);
  });

  it('decodes into reused columns exactly what fresh columns get, whatever the reused ones held', () => {
    const pool = new ColumnPool();
    for (let round = 0; round < 3; round++) {
      for (const [n, k] of [
        [16384, 2500],
        [250, 250],
        [3000, 7],
      ] as const) {
        const c = columns(n, k, round);
        for (const msg of [
          encodeSampleBatch(header, c.ids, c.ts, c.vs, n),
          encodeSampleBatchV3(header, c.ids, c.ts, c.vs, n),
          encodeSampleBatchV3(header, c.ids, c.ts, c.vs, n, 'raw'),
        ]) {
          const pooled = decodeSampleBatch(msg, pool);
          expect(readAll(pooled)).toEqual(readAll(decodeSampleBatch(msg, FRESH_COLUMNS)));
          // What a later batch finds in these columns is garbage: it must not matter.
          pooled.timestamps.fill(-1);
          pooled.values.fill(NaN);
          pooled.seriesKeyIndex?.fill(0xffffffff);
          pool.release(pooled);
        }
      }
    }
    expect(pool.freeCount).toBeGreaterThan(0);
  });

  it('hands a released buffer out once, takes back only its own, and keeps a bounded number', () => {
    const pool = new ColumnPool(64 * 1024);
    const a = pool.f64(4096); // 32 KiB class
    const b = pool.f64(4096);
    expect(a.buffer).not.toBe(b.buffer);
    const none = new BigUint64Array(1);
    const batch = { timestamps: a, values: b, seriesKeyIndex: undefined, seriesIds: none } as never;
    pool.release(batch);
    pool.release(batch); // twice: still one entry each
    expect(pool.freeCount).toBe(2);
    const c = pool.f64(4000);
    const d = pool.f64(4000);
    const e = pool.f64(4000);
    expect(new Set([c.buffer, d.buffer, e.buffer]).size).toBe(3);
    expect([a.buffer, b.buffer]).toContain(c.buffer);
    expect([a.buffer, b.buffer]).toContain(d.buffer);
    // Foreign and small arrays are left to the collector; beyond 64 KiB a class keeps no more.
    const foreign = {
      timestamps: new Float64Array(4096),
      values: pool.f64(10),
      seriesKeyIndex: undefined,
      seriesIds: none,
    };
    pool.release(foreign as never);
    expect(pool.freeCount).toBe(0);
    pool.release({ timestamps: c, values: d, seriesKeyIndex: e, seriesIds: none } as never);
    expect(pool.freeCount).toBe(2);
    // A column is a view of its count over the class's buffer.
    expect(pool.u32(5000).length).toBe(5000);
  });

  it('decodes a message at an offset that is not a multiple of 8 through its own copy, reused after release', () => {
    const pool = new ColumnPool();
    const c = columns(250, 250, 5);
    for (const msg of [
      encodeSampleBatch(header, c.ids, c.ts, c.vs, 250),
      encodeSampleBatchV3(header, c.ids, c.ts, c.vs, 250),
      encodeSampleBatchV3(header, c.ids, c.ts, c.vs, 250, 'raw'),
    ]) {
      // As the NATS client hands messages over: views of a larger buffer at any offset.
      const at = (off: number): Uint8Array => {
        const b = new Uint8Array(msg.length + 16).fill(0xa5).subarray(off, off + msg.length);
        b.set(msg);
        return b;
      };
      const want = readAll(decodeSampleBatch(msg, FRESH_COLUMNS));
      const first = decodeSampleBatch(at(3), pool);
      expect(readAll(first)).toEqual(want);
      const copy = (first.seriesKeys ?? first.seriesIds).buffer;
      expect(copy).not.toBe(msg.buffer);
      pool.release(first);
      // The next unaligned message takes the same copy back (whatever it held) and reads right.
      const second = decodeSampleBatch(at(5), pool);
      expect((second.seriesKeys ?? second.seriesIds).buffer).toBe(copy);
      expect(readAll(second)).toEqual(want);
      pool.release(second);
      // An aligned message is viewed where it lies, and its buffer never goes into the pool.
      const msg8 = at(8);
      const aligned = decodeSampleBatch(msg8, pool);
      expect(readAll(aligned)).toEqual(want);
      expect((aligned.seriesKeys ?? aligned.seriesIds).buffer).toBe(msg8.buffer);
      pool.release(aligned);
      expect(pool.bytes(msg8.buffer.byteLength).buffer).not.toBe(msg8.buffer);
    }
  });
});
