/**
 * Memory for checkpoint images, kept from one snapshot to the next. A head snapshot is tens of
 * megabytes laid out while the partition's applies are held; into fresh memory each of its
 * pages faults on first touch, which on a VM cost about 4 ms a megabyte, several times the
 * layout itself (bench/ingest/snapshot-layout.ts). One buffer is kept between snapshots, the
 * largest given back, up to `maxKeepBytes` (0: none, every image in fresh memory).
 */
export class ImageScratch {
  private idle: Uint8Array | undefined;

  constructor(private readonly maxKeepBytes: number) {}

  /** A buffer of at least `bytes`, not zeroed: the kept one when it is large enough. */
  take(bytes: number): Uint8Array {
    const kept = this.idle;
    // Taken, or let go when too small: it would be held beside its successor until given back.
    this.idle = undefined;
    if (kept !== undefined && kept.length >= bytes) return kept;
    // Room for the head to grow by half before a snapshot needs a larger buffer (a head fills
    // from empty after a start): pages never written cost address space, not memory.
    const room = bytes + Math.floor(bytes / 2);
    return new Uint8Array(room <= this.maxKeepBytes ? room : bytes);
  }

  /** Gives a buffer from take() back once nothing reads it any more. */
  give(buf: Uint8Array): void {
    if (buf.length > this.maxKeepBytes) return;
    if (this.idle === undefined || buf.length > this.idle.length) this.idle = buf;
  }

  /** Lets the kept buffer go (an idle process giving its memory back). */
  drop(): void {
    this.idle = undefined;
  }

  /** Bytes held between snapshots. */
  get keptBytes(): number {
    return this.idle?.length ?? 0;
  }
}
