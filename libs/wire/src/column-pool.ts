import type { SampleBatch } from './sample-batch-header';

/**
 * Where a sample batch decoder takes the per-point columns it fills (timestamps, values, key
 * numbers). Every element of what it takes is written before the batch is returned, so the
 * arrays may hold anything before.
 */
export interface ColumnAlloc {
  f64(n: number): Float64Array;
  u32(n: number): Uint32Array;
  /**
   * Room for the 8-aligned copy of a message that lies at another offset (typed-array views
   * need the alignment); the batch's views (key table, ids, raw values) then lie in it. Absent:
   * a new array.
   */
  bytes?(n: number): Uint8Array;
}

/** A new array each time (the default). */
export const FRESH_COLUMNS: ColumnAlloc = {
  f64: (n) => new Float64Array(n),
  u32: (n) => new Uint32Array(n),
};

/**
 * `message` where typed arrays can view it: itself at an offset that is a multiple of 8, else
 * a copy in `columns.bytes` (or a new array). The NATS client hands over messages as views of
 * its read buffer at any offset, so most need the copy.
 */
export function alignedMessage(message: Uint8Array, columns: ColumnAlloc): Uint8Array {
  if (message.byteOffset % 8 === 0) return message;
  const copy = columns.bytes ? columns.bytes(message.length) : new Uint8Array(message.length);
  copy.set(message);
  return copy;
}

/** Smallest class: 1 KiB (a class holds 1 KiB << c bytes, up to 32 MiB). */
const MIN_CLASS_BYTES = 1 << 10;
const CLASSES = 16;

/**
 * Column buffers handed out by size class and taken back once their batch was applied, so
 * that a consumer decoding batch after batch does not allocate a few hundred kilobytes of
 * typed arrays each time: their backing stores live outside the V8 heap, and allocating
 * them that fast made V8 run a full collection every few dozen batches (a tenth of the
 * ingestor's time on an import). Arrays below 512 bytes and those of another pool are left
 * to the collector. At most `keepBytes` of free buffers per class wait for reuse (what the
 * apply queue holds is bounded); the rest go to the collector too.
 */
export class ColumnPool implements ColumnAlloc {
  private readonly free: ArrayBuffer[][] = Array.from({ length: CLASSES }, () => []);
  /** Buffers of this pool (handed out or free): only those are taken back. */
  private readonly mine = new WeakSet<ArrayBufferLike>();
  /** Buffers in the free lists. */
  private readonly isFree = new WeakSet<ArrayBufferLike>();

  constructor(private readonly keepBytes = 2 * 1024 * 1024) {}

  f64(n: number): Float64Array {
    return new Float64Array(this.take(8 * n), 0, n);
  }

  u32(n: number): Uint32Array {
    return new Uint32Array(this.take(4 * n), 0, n);
  }

  bytes(n: number): Uint8Array {
    return new Uint8Array(this.take(n), 0, n);
  }

  /**
   * Takes back the columns a decode took from this pool (once nothing reads them), the
   * message's aligned copy (bytes()) among them: a version 3 batch's key table lies in it, a
   * version 1 batch's ids. (A version 3 batch's `seriesIds` are not touched: a getter that
   * would expand them.) Buffers of another pool, or the message itself, are left alone.
   */
  release(batch: SampleBatch): void {
    this.give(batch.timestamps.buffer);
    this.give(batch.values.buffer);
    if (batch.seriesKeyIndex) this.give(batch.seriesKeyIndex.buffer);
    if (batch.seriesKeys) this.give(batch.seriesKeys.buffer);
    else this.give(batch.seriesIds.buffer);
  }

  /**
   * Lets the free buffers go (the process idles: libs/platform's memory release calls it); the
   * next batches allocate again. Buffers handed out come back as before.
   */
  shed(): void {
    for (const list of this.free) {
      for (const b of list) this.isFree.delete(b);
      list.length = 0;
    }
  }

  /** Free buffers waiting for reuse (for tests). */
  get freeCount(): number {
    let n = 0;
    for (const list of this.free) n += list.length;
    return n;
  }

  private take(bytes: number): ArrayBuffer {
    const c = classOf(bytes);
    if (c < 0) return new ArrayBuffer(bytes);
    const b = this.free[c]!.pop();
    if (b) {
      this.isFree.delete(b);
      return b;
    }
    const fresh = new ArrayBuffer(MIN_CLASS_BYTES << c);
    this.mine.add(fresh);
    return fresh;
  }

  private give(buffer: ArrayBufferLike): void {
    if (!this.mine.has(buffer)) return;
    const list = this.free[classOf(buffer.byteLength)]!;
    // Released twice (a bug elsewhere) it would be handed out twice.
    if ((list.length + 1) * buffer.byteLength > this.keepBytes || this.isFree.has(buffer)) return;
    this.isFree.add(buffer);
    list.push(buffer as ArrayBuffer);
  }
}

/** The class whose buffers hold `bytes` (-1: below the smallest, or above the largest). */
function classOf(bytes: number): number {
  if (bytes < MIN_CLASS_BYTES / 2) return -1;
  let c = 0;
  while (MIN_CLASS_BYTES << c < bytes) c++;
  return c < CLASSES ? c : -1;
}
