/**
 * The CSV fast path of `ztsdb import`: scans `series,timestamp_ms,value` lines in the file's
 * bytes (no string, no object per sample). A series field is looked up by its raw bytes in a
 * table filled by the general parser: the first line of a series, and every line the fast
 * path does not take exactly (quotes, spaces, exponents, NaN, errors, …), goes to `slowLine`
 * as text, so both paths give the same samples and the same errors (the differential fuzz
 * target checks this).
 */
export interface CsvScanSink {
  /** A sample of the series `ref` returned earlier by `slowLine`. */
  sample(ref: number, timestampMs: number, value: number): void;
  /**
   * A line for the general parser (`lineNo` counts from 1); returns the series ref of a
   * good sample line, so its series field is taken by the fast path from now on, else -1.
   */
  slowLine(text: string, lineNo: number): number;
}

const NL = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
/** 10^k for k ≤ 22 are exact doubles: m / 10^k with m < 2^53 is then correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Below 2^53 whatever the digits: the mantissa stays exact. */
const MAX_DIGITS = 15;

export class CsvByteScanner {
  /** Lines seen (blank ones included), as the general path numbers them. */
  lines = 0;
  private rest: Buffer | undefined;
  // Open-addressing table: series field bytes → ref. Slots hold entry index + 1 (0 is empty).
  private slots = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 10);
  private offsets = new Int32Array(1 << 10);
  private lengths = new Int32Array(1 << 10);
  private refs = new Int32Array(1 << 10);
  private entries = 0;
  private arena = Buffer.alloc(1 << 16);
  private arenaUsed = 0;
  /** Value parsed by `value()` (a field parser returns only whether it succeeded). */
  private parsed = 0;

  constructor(private readonly sink: CsvScanSink) {}

  /** Scans the complete lines of `chunk`; an unfinished last line waits for the next chunk. */
  push(chunk: Buffer): void {
    const buf = chunk;
    let start = 0;
    if (this.rest) {
      // Only the line cut by the previous chunk is copied, not the whole chunk.
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.rest = Buffer.concat([this.rest, buf]);
        return;
      }
      const joined = Buffer.concat([this.rest, buf.subarray(0, nl)]);
      this.rest = undefined;
      this.line(joined, 0, joined.length);
      start = nl + 1;
    }
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0) break;
      this.line(buf, start, nl);
      start = nl + 1;
    }
    if (start < buf.length) this.rest = Buffer.from(buf.subarray(start));
  }

  /** The last line when the file does not end with a newline. */
  end(): void {
    if (this.rest) this.line(this.rest, 0, this.rest.length);
    this.rest = undefined;
  }

  private line(buf: Buffer, start: number, end: number): void {
    this.lines++;
    if (end > start && buf[end - 1] === CR) end--;
    if (!this.fast(buf, start, end)) {
      const ref = this.sink.slowLine(buf.toString('utf8', start, end), this.lines);
      if (ref >= 0) this.remember(buf, start, end, ref);
    }
  }

  /** True when the line was taken: a known series field and exact plain numbers. */
  private fast(buf: Buffer, start: number, end: number): boolean {
    if (start === end || buf[start] === QUOTE) return false;
    let h = 0x811c9dc5 | 0;
    let i = start;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c === COMMA) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (i === end) return false;
    const ref = this.lookup(buf, start, i, h);
    if (ref < 0) return false;
    const tsStart = i + 1;
    const tsEnd = buf.indexOf(COMMA, tsStart);
    if (tsEnd < 0 || tsEnd >= end) return false;
    const ts = this.integer(buf, tsStart, tsEnd);
    if (ts === undefined || !this.value(buf, tsEnd + 1, end)) return false;
    this.sink.sample(ref, ts, this.parsed);
    return true;
  }

  /** `-?\d{1,15}`, nothing else. */
  private integer(buf: Buffer, s: number, e: number): number | undefined {
    let neg = false;
    if (buf[s] === MINUS) {
      neg = true;
      s++;
    }
    const n = e - s;
    if (n < 1 || n > MAX_DIGITS) return undefined;
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = buf[i]! - ZERO;
      if (d < 0 || d > 9) return undefined;
      v = v * 10 + d;
    }
    return neg ? -v : v;
  }

  /**
   * `[-+]?(\d+\.?\d*|\.\d+)` with at most 15 significant digits and 22 decimals: exactly what
   * Number() gives for that text. Anything else (exponents, NaN, Inf, a second comma) is not
   * taken.
   */
  private value(buf: Buffer, s: number, e: number): boolean {
    let neg = false;
    const c0 = buf[s];
    if (c0 === MINUS || c0 === PLUS) {
      neg = c0 === MINUS;
      s++;
    }
    let m = 0;
    let digits = 0;
    let significant = 0;
    let decimals = -1;
    for (let i = s; i < e; i++) {
      const c = buf[i]!;
      if (c === DOT) {
        if (decimals >= 0) return false;
        decimals = 0;
        continue;
      }
      const d = c - ZERO;
      if (d < 0 || d > 9) return false;
      digits++;
      if (significant > 0 || d !== 0) significant++;
      m = m * 10 + d;
      if (decimals >= 0) decimals++;
    }
    if (digits === 0 || significant > MAX_DIGITS || decimals > 22) return false;
    const v = decimals > 0 ? m / POW10[decimals]! : m;
    this.parsed = neg ? -v : v;
    return true;
  }

  private lookup(buf: Buffer, s: number, e: number, h: number): number {
    const mask = this.slots.length - 1;
    const len = e - s;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = this.slots[slot]!;
      if (k === 0) return -1;
      const j = k - 1;
      if (this.hashes[j] !== h || this.lengths[j] !== len) continue;
      const off = this.offsets[j]!;
      let same = true;
      for (let x = 0; x < len; x++)
        if (this.arena[off + x] !== buf[s + x]) {
          same = false;
          break;
        }
      if (same) return this.refs[j]!;
    }
  }

  /** Makes the series field of a line the general parser took known to the fast path. */
  private remember(buf: Buffer, start: number, end: number, ref: number): void {
    if (buf[start] === QUOTE) return;
    const comma = buf.indexOf(COMMA, start);
    if (comma < 0 || comma >= end) return;
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < comma; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    if (this.lookup(buf, start, comma, h) >= 0) return;
    const len = comma - start;
    if (this.arenaUsed + len > this.arena.length) {
      const a = Buffer.alloc(Math.max(this.arena.length * 2, this.arenaUsed + len));
      this.arena.copy(a, 0, 0, this.arenaUsed);
      this.arena = a;
    }
    buf.copy(this.arena, this.arenaUsed, start, comma);
    if (this.entries === this.hashes.length) this.growEntries();
    const j = this.entries++;
    this.hashes[j] = h;
    this.offsets[j] = this.arenaUsed;
    this.lengths[j] = len;
    this.refs[j] = ref;
    this.arenaUsed += len;
    if (this.entries * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(j);
  }

  private place(j: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[j]! & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = j + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let j = 0; j < this.entries; j++) this.place(j);
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes);
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.refs = grow(this.refs);
  }
}
