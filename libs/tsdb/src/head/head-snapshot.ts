import { ByteReader, ByteWriter } from '../encoding/byte-io';
import { IndexCorruptError } from '../errors';
import { Head, type HeadOptions } from './head';
import { OooBuffer } from './ooo-buffer';
import type { SealedChunk } from './sealed-chunk';

/**
 * Encodes the head's state (for a WAL checkpoint): next version, then per
 * series id, lastT, oooSince, open chunk (version + bytes) and out-of-order
 * points, then untaken sealed chunks. Layout in docs/format/wal.md.
 * `chunkCrc` false leaves the open chunks' CRC trailers zero, for a caller that
 * checksums the whole snapshot (a checkpoint, version 2): a second pass over
 * every chunk's bytes was a third of a snapshot's time.
 */
export function encodeHeadSnapshot(
  head: Head,
  w: ByteWriter = new ByteWriter(headSnapshotBytes(head)),
  chunkCrc = true,
): ByteWriter {
  new HeadSnapshotEncoder(head, w, chunkCrc).step(Infinity);
  return w;
}

/**
 * {@link encodeHeadSnapshot} in steps of about `maxBytes` each, so that a caller can let the
 * event loop run between two (a partition's snapshot is tens of megabytes, tens of
 * milliseconds to lay out). The head must not change until the last step: the caller holds
 * its applies and seals meanwhile. The sealed chunks written are those untaken when the
 * encoder was made (or `sealed`).
 */
export class HeadSnapshotEncoder {
  /** Next series, then next sealed chunk (-1 until their count is written) to write. */
  private next = 0;
  private nextSealed = -1;
  private readonly seriesCount: number;
  private readonly sealed: readonly SealedChunk[];

  constructor(
    private readonly head: Head,
    private readonly w: ByteWriter,
    private readonly chunkCrc: boolean,
    sealed: readonly SealedChunk[] = head.peekSealed(),
  ) {
    this.seriesCount = head.series.length;
    this.sealed = sealed.slice();
    w.u64(head.nextVersion).u32(this.seriesCount);
  }

  /** Writes about `maxBytes` more (at least one series or sealed chunk); true once all is written. */
  step(maxBytes: number): boolean {
    const { head, w, chunkCrc } = this;
    const stop = w.length + maxBytes;
    while (this.next < this.seriesCount) {
      const s = head.series[this.next++]!;
      w.big64(s.id).f64(s.lastT).f64(s.oooSince).u64(s.openVersion);
      const openLen = head.openByteLength(s);
      w.u32(openLen);
      // Written in place: a snapshot holds every open chunk, a copy each was a third of its cost.
      if (openLen > 0) w.inPlace(openLen, (dst, at) => head.writeOpenTo(s, dst, at, chunkCrc));
      const n = s.ooo?.count ?? 0;
      w.u32(n);
      for (let i = 0; i < n; i++) w.f64(s.ooo!.timestamps[i]!);
      for (let i = 0; i < n; i++) w.f64(s.ooo!.values[i]!);
      if (w.length >= stop) return false;
    }
    if (this.nextSealed < 0) {
      w.u32(this.sealed.length);
      this.nextSealed = 0;
    }
    while (this.nextSealed < this.sealed.length) {
      const c = this.sealed[this.nextSealed++]!;
      w.big64(c.seriesId)
        .f64(c.minT)
        .f64(c.maxT)
        .u32(c.count)
        .u64(c.version)
        .u32(c.bytes.length)
        .bytes(c.bytes);
      if (w.length >= stop && this.nextSealed < this.sealed.length) return false;
    }
    return true;
  }
}

/** Exact size of {@link encodeHeadSnapshot}'s bytes, so its writer is allocated once. */
export function headSnapshotBytes(
  head: Head,
  sealed: readonly SealedChunk[] = head.peekSealed(),
): number {
  let n = 8 + 4 + 4;
  for (const s of head.series) {
    n += 8 + 8 + 8 + 8 + 4 + 4;
    n += head.openByteLength(s);
    n += 16 * (s.ooo?.count ?? 0);
  }
  for (const c of sealed) n += 8 + 8 + 8 + 4 + 8 + 4 + c.bytes.length;
  return n;
}

/**
 * Rebuilds a head from {@link encodeHeadSnapshot} bytes (read from `r`).
 * `verifyChunks` false skips each open chunk's CRC-32C, for a caller that has
 * checked a CRC over the whole snapshot (a checkpoint): the chunk bytes were
 * then read twice over by the CRC for nothing, and a version 2 checkpoint
 * leaves those CRCs zero.
 */
export function decodeHeadSnapshot(r: ByteReader, opts: HeadOptions, verifyChunks = true): Head {
  const head = new Head(opts);
  head.nextVersion = r.u64();
  const seriesCount = r.u32();
  for (let i = 0; i < seriesCount; i++) {
    const id = r.big64();
    const s = head.getOrCreate(id);
    s.lastT = r.f64();
    s.oooSince = r.f64();
    s.openVersion = r.u64();
    s.maxSeen = s.lastT;
    const openLen = r.u32();
    if (openLen > 0) {
      const bytes = r.bytesView(openLen);
      try {
        // Resumes the encoder from the chunk's bits: no point is re-encoded.
        head.resumeOpen(s, bytes, verifyChunks);
      } catch (err) {
        throw new IndexCorruptError(
          `checkpoint: open chunk of series ${id} does not decode`,
          { seriesId: id },
          { cause: err },
        );
      }
    }
    const n = r.u32();
    if (n > 0) {
      const ts = r.f64Array(n);
      const vs = r.f64Array(n);
      const ooo = new OooBuffer(n);
      ooo.timestamps.set(ts);
      ooo.values.set(vs);
      ooo.count = n;
      s.ooo = ooo;
    }
  }
  const sealedCount = r.u32();
  const restored = [];
  for (let i = 0; i < sealedCount; i++) {
    const seriesId = r.big64();
    const minT = r.f64();
    const maxT = r.f64();
    const count = r.u32();
    const version = r.u64();
    const len = r.u32();
    restored.push({ seriesId, minT, maxT, count, version, bytes: r.bytesView(len).slice() });
  }
  if (restored.length > 0) head.restoreSealed(restored);
  return head;
}
