import {
  ChunkCorruptError,
  MAX_CHUNK_POINTS,
  PACKED_CHUNK_VERSION,
  encodeChunk,
  encodeChunkCompact,
} from '@ztsdb/chunkenc';
import { ByteReader, ByteWriter } from '../encoding/byte-io';
import { IndexCorruptError } from '../errors';
import { Head, type HeadOptions } from './head';
import {
  decodeHeadSnapshot,
  encodeHeadSnapshot,
  headSnapshotBytes,
  HeadSnapshotEncoder,
} from './head-snapshot';

const OPTS: HeadOptions = { maxChunkAgeMs: 3_600_000, oooCapacity: 8 };

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL = [NaN, -0, 0, Infinity, -Infinity, 1e-310, 0.1, 42];

/** A deterministic stream of (series, t, v) samples, some out of order, some special values. */
function samples(n: number, seed: number): Array<[bigint, number, number]> {
  const r = rng(seed);
  const out: Array<[bigint, number, number]> = [];
  const lastT = new Map<bigint, number>();
  for (let i = 0; i < n; i++) {
    const id = BigInt(Math.floor(r() * 40));
    const prev = lastT.get(id) ?? 1_700_000_000_000;
    let t: number;
    if (r() < 0.05)
      t = prev - Math.floor(r() * 60_000); // out of order
    else t = prev + (r() < 0.1 ? 0 : 15_000) + Math.floor(r() * 40);
    if (t > prev) lastT.set(id, t);
    const v = r() < 0.1 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : Math.floor(r() * 1e6) / 100;
    out.push([id, t, v]);
  }
  // One series fills whole chunks, so restores happen at and around MAX_CHUNK_POINTS.
  for (let i = 0; i < MAX_CHUNK_POINTS + 5; i++) out.push([999n, 1_000 * i, i % 5]);
  return out;
}

const snap = (h: Head): Buffer => Buffer.from(encodeHeadSnapshot(h).finish());

describe('head snapshots resume open chunks', () => {
  it('a restored head continues exactly as one that never stopped', () => {
    const all = samples(6000, 5);
    for (const cut of [0, 1, 777, 3000, all.length - MAX_CHUNK_POINTS - 3, all.length - 4]) {
      const reference = new Head(OPTS);
      for (const [id, t, v] of all) reference.append(id, t, v);

      const before = new Head(OPTS);
      for (let i = 0; i < cut; i++) before.append(...all[i]!);
      const restored = decodeHeadSnapshot(new ByteReader(snap(before)), OPTS);
      expect(snap(restored).equals(snap(before))).toBe(true);
      for (let i = cut; i < all.length; i++) restored.append(...all[i]!);

      expect(snap(restored).equals(snap(reference))).toBe(true);
      for (const id of [0n, 7n, 999n])
        expect(restored.read(id, -Infinity, Infinity)).toEqual(
          reference.read(id, -Infinity, Infinity),
        );
    }
  });

  /** A one-series snapshot in the documented layout, with `open` as the open chunk. */
  function oneSeries(open: Uint8Array, lastT: number): Uint8Array {
    const w = new ByteWriter(256);
    w.u64(7).u32(1);
    w.big64(3n).f64(lastT).f64(-Infinity).u64(6);
    w.u32(open.length).bytes(open);
    w.u32(0); // no out-of-order points
    w.u32(0); // no sealed chunks
    return w.finish();
  }

  it('knows its exact size beforehand: open chunks, out-of-order points and sealed chunks', () => {
    const all = samples(6000, 9);
    const head = new Head(OPTS);
    expect(encodeHeadSnapshot(head).length).toBe(headSnapshotBytes(head));
    for (const [i, [id, t, v]] of all.entries()) {
      head.append(id, t, v);
      if (i % 1000 === 999) expect(encodeHeadSnapshot(head).length).toBe(headSnapshotBytes(head));
    }
    expect(head.peekSealed().length).toBeGreaterThan(0);
    expect(head.series.some((s) => (s.ooo?.count ?? 0) > 0)).toBe(true);
    // Written into a writer that had to grow, the bytes are the same.
    expect(Buffer.from(encodeHeadSnapshot(head, new ByteWriter(16)).finish())).toEqual(snap(head));
  });

  it('lays out the same bytes in steps as in one go, a step at least a series, whatever its size', () => {
    const all = samples(6000, 11);
    const head = new Head(OPTS);
    for (const [id, t, v] of all) head.append(id, t, v);
    expect(head.peekSealed().length).toBeGreaterThan(0);
    const whole = snap(head);
    for (const stepBytes of [0, 1, 100, 4096, whole.length - 1, whole.length, Infinity]) {
      const w = new ByteWriter(headSnapshotBytes(head));
      const encoder = new HeadSnapshotEncoder(head, w, true);
      let steps = 1;
      while (!encoder.step(stepBytes)) steps++;
      expect(Buffer.from(w.finish()).equals(whole)).toBe(true);
      // Steps of 0 or 1 byte: one series or sealed chunk each.
      if (stepBytes <= 1) expect(steps).toBe(head.series.length + head.peekSealed().length);
      if (stepBytes >= whole.length) expect(steps).toBe(1);
    }
  });

  it('writes the sealed chunks it was given (held chunks put back for a checkpoint) after the series', () => {
    const head = new Head(OPTS);
    for (const [id, t, v] of samples(6000, 13)) head.append(id, t, v);
    const sealed = head.takeSealed();
    expect(sealed.length).toBeGreaterThan(1);
    const w = new ByteWriter(headSnapshotBytes(head, sealed));
    const encoder = new HeadSnapshotEncoder(head, w, true, sealed);
    while (!encoder.step(512));
    expect(w.length).toBe(headSnapshotBytes(head, sealed));
    head.restoreSealed(sealed);
    expect(Buffer.from(w.finish()).equals(snap(head))).toBe(true);
  });

  it('restores a packed (version 2) open chunk and appends after it', () => {
    const ts = Array.from({ length: 64 }, (_, i) => 10_000 * i);
    const vs = ts.map((_, i) => (i % 4) * 0.5);
    const packed = encodeChunkCompact(ts, vs, 0, 60);
    expect(packed[0]).toBe(PACKED_CHUNK_VERSION);
    const head = decodeHeadSnapshot(new ByteReader(oneSeries(packed, ts[59]!)), OPTS);
    for (let i = 60; i < 64; i++) head.append(3n, ts[i]!, vs[i]!);
    const [pts] = head.read(3n, -Infinity, Infinity);
    expect(Array.from(pts!.timestamps)).toEqual(ts);
    expect(Array.from(pts!.values)).toEqual(vs);
    expect(head.openBytes(head.series[0]!)).toEqual(encodeChunk(ts, vs));
  });

  it('reports a corrupt open chunk as IndexCorruptError naming the series', () => {
    const chunk = encodeChunk([1, 2, 3], [1, 2, 3]);
    chunk[4]! ^= 0x10; // body bit: the CRC no longer matches
    let err: unknown;
    try {
      decodeHeadSnapshot(new ByteReader(oneSeries(chunk, 3)), OPTS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IndexCorruptError);
    expect((err as IndexCorruptError).context).toMatchObject({ seriesId: 3n });
    expect((err as IndexCorruptError).cause).toBeInstanceOf(ChunkCorruptError);
  });
});
