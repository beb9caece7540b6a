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
  /** Per entry: the entry of the line that followed it last time, or -1. */
  private next = new Int32Array(1 << 10).fill(-1);
  /** Entry of the previous line when the fast path took it, else -1. */
  private prev = -1;
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
      this.whole(joined);
      start = nl + 1;
    }
    const n = buf.length;
    while (start < n) {
      // The fast path finds the line's end itself: no search for the newline or the commas
      // before the line is parsed.
      const nl = this.fast(buf, start, n, false);
      if (nl >= 0) {
        this.lines++;
        start = nl + 1;
        continue;
      }
      const end = buf.indexOf(NL, start);
      if (end < 0) break;
      this.slow(buf, start, end);
      start = end + 1;
    }
    if (start < n) this.rest = Buffer.from(buf.subarray(start));
  }

  /** The last line when the file does not end with a newline. */
  end(): void {
    if (this.rest) this.whole(this.rest);
    this.rest = undefined;
  }

  /** One complete line without its newline. */
  private whole(buf: Buffer): void {
    if (this.fast(buf, 0, buf.length, true) >= 0) this.lines++;
    else this.slow(buf, 0, buf.length);
  }

  private slow(buf: Buffer, start: number, end: number): void {
    this.lines++;
    if (end > start && buf[end - 1] === CR) end--;
    const ref = this.sink.slowLine(buf.toString('utf8', start, end), this.lines);
    if (ref >= 0) this.remember(buf, start, end, ref);
    // The series after this line is not predicted from it.
    this.prev = -1;
  }

  /**
   * Takes the line at `start` when its series field is known and its numbers are exact plain
   * ones; returns where the line ends (its newline, or `limit` for a `final` line that has
   * none), else -1 (the line goes to the general parser).
   */
  private fast(buf: Buffer, start: number, limit: number, final: boolean): number {
    if (start >= limit || buf[start] === QUOTE) return -1;
    // Lines come in a repeating order of series (time-major files): the entry that followed
    // the previous line's last time is compared first, which spares hashing the field.
    let j = this.prev >= 0 ? this.next[this.prev]! : -1;
    let i = start;
    if (j >= 0) {
      const len = this.lengths[j]!;
      if (start + len < limit && buf[start + len] === COMMA) {
        const off = this.offsets[j]!;
        for (let x = 0; x < len; x++)
          if (this.arena[off + x] !== buf[start + x]) {
            j = -1;
            break;
          }
      } else j = -1;
      if (j >= 0) i = start + len;
    }
    if (j < 0) {
      let h = 0x811c9dc5 | 0;
      for (; i < limit; i++) {
        const c = buf[i]!;
        if (c === COMMA) break;
        if (c === NL) return -1;
        h = Math.imul(h ^ c, 0x01000193);
      }
      if (i === limit) return -1;
      j = this.lookup(buf, start, i, h);
      if (j < 0) return -1;
      if (this.prev >= 0) this.next[this.prev] = j;
    }
    // Timestamp: `-?\d{1,15}` up to the next comma.
    i++;
    let neg = false;
    if (i < limit && buf[i] === MINUS) {
      neg = true;
      i++;
    }
    const tsStart = i;
    let ts = 0;
    for (; ; i++) {
      if (i === limit) return -1;
      const d = buf[i]! - ZERO;
      if (d < 0 || d > 9) break;
      ts = ts * 10 + d;
    }
    if (buf[i] !== COMMA || i === tsStart || i - tsStart > MAX_DIGITS) return -1;
    if (neg) ts = -ts;
    const eol = this.value(buf, i + 1, limit, final);
    if (eol < 0) return -1;
    this.prev = j;
    this.sink.sample(this.refs[j]!, ts, this.parsed);
    return eol;
  }

  /**
   * `[-+]?(\d+\.?\d*|\.\d+)` with at most 15 significant digits and 22 decimals, ended by a
   * newline (a CR before it is dropped) or by `limit` on a `final` line: exactly what Number()
   * gives for that text. Returns where the line ends, else -1; anything else (exponents, NaN,
   * Inf, a second comma) is not taken.
   */
  private value(buf: Buffer, s: number, limit: number, final: boolean): number {
    let neg = false;
    const c0 = buf[s];
    if (s < limit && (c0 === MINUS || c0 === PLUS)) {
      neg = c0 === MINUS;
      s++;
    }
    let m = 0;
    let digits = 0;
    let significant = 0;
    let decimals = -1;
    let i = s;
    let eol: number;
    for (; ; i++) {
      if (i === limit) {
        if (!final) return -1;
        eol = limit;
        break;
      }
      const c = buf[i]!;
      if (c === NL) {
        eol = i;
        break;
      }
      if (c === CR) {
        if (i + 1 === limit ? !final : buf[i + 1] !== NL) return -1;
        eol = i + 1;
        break;
      }
      if (c === DOT) {
        if (decimals >= 0) return -1;
        decimals = 0;
        continue;
      }
      const d = c - ZERO;
      if (d < 0 || d > 9) return -1;
      digits++;
      if (significant > 0 || d !== 0) significant++;
      m = m * 10 + d;
      if (decimals >= 0) decimals++;
    }
    if (digits === 0 || significant > MAX_DIGITS || decimals > 22) return -1;
    const v = decimals > 0 ? m / POW10[decimals]! : m;
    this.parsed = neg ? -v : v;
    return eol;
  }

  /** The entry of the series field `buf[s, e)` (hash `h`), or -1. */
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
      if (same) return j;
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
    const next = new Int32Array(n).fill(-1);
    next.set(this.next);
    this.next = next;
  }
}
