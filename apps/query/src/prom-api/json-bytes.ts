import { formatFloatSlow } from '@ztsdb/promql';

/** Below this magnitude a double's spacing is under 1e-6 (the bound of shortDecimal in @ztsdb/promql). */
const SHORT_DECIMAL_MAX = 2 ** 30;
/** Integer milliseconds below this, as seconds, are written from integers (their doubles are under 2^40 s, 2^-12 apart). */
const SECS_MAX_MS = 1e15;
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;
/** "00", "01", … "99" as character codes, two per number. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = ZERO + Math.floor(i / 10);
  PAIRS[2 * i + 1] = ZERO + (i % 10);
}

/**
 * An answer's JSON written as bytes into one buffer, grown by doubling: no string per point and
 * no UTF-8 encoding of the whole text at the end. Times and values come out exactly as
 * `String(ms / 1000)` and `formatFloat(v)` write them (the spec compares the two on random and
 * edge values).
 */
export class JsonBytes {
  private buf: Buffer;
  private n = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.n;
  }

  /** Room for `more` bytes after what is written. */
  private room(more: number): void {
    const need = this.n + more;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  /** Text as UTF-8 (JSON from JSON.stringify, punctuation). */
  text(s: string): void {
    this.room(s.length * 3);
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  /** A non-negative integer below 2^53, in decimal (below 2^31, two digits at a time in int32). */
  private digits(x: number): void {
    const b = this.buf;
    if (x < 2147483648) {
      let v = x | 0;
      const len =
        v < 1e5
          ? v < 100
            ? v < 10
              ? 1
              : 2
            : v < 1e3
              ? 3
              : v < 1e4
                ? 4
                : 5
          : v < 1e7
            ? v < 1e6
              ? 6
              : 7
            : v < 1e8
              ? 8
              : v < 1e9
                ? 9
                : 10;
      let at = this.n + len;
      this.n = at;
      while (v >= 100) {
        const q = (v / 100) | 0;
        const r = (v - q * 100) << 1;
        b[--at] = PAIRS[r + 1]!;
        b[--at] = PAIRS[r]!;
        v = q;
      }
      if (v >= 10) {
        b[--at] = PAIRS[(v << 1) + 1]!;
        b[--at] = PAIRS[v << 1]!;
      } else b[--at] = ZERO + v;
      return;
    }
    let len = 10;
    for (let p = 1e10; p <= x && len < 16; p *= 10) len++;
    let at = this.n + len;
    this.n = at;
    do {
      const q = Math.floor(x / 10);
      b[--at] = ZERO + (x - q * 10);
      x = q;
    } while (x > 0);
  }

  /** `.` and the integer `frac` (1 ≤ frac < 10^width) as `width` digits, less its trailing zeros. */
  private fraction(frac: number, width: number): void {
    let f = frac | 0;
    let w = width;
    let q = (f / 10) | 0;
    while (f === q * 10) {
      f = q;
      w--;
      q = (f / 10) | 0;
    }
    const b = this.buf;
    b[this.n++] = DOT;
    let at = this.n + w;
    this.n = at;
    while (at > this.n - w) {
      q = (f / 10) | 0;
      b[--at] = ZERO + (f - q * 10);
      f = q;
    }
  }

  /** `ms / 1000` as String() writes it (Unix seconds with up to three decimals). */
  secs(ms: number): void {
    this.room(24);
    this.secsIn(ms);
  }

  /** secs() with room for 24 bytes made. */
  private secsIn(ms: number): void {
    if (!(Number.isInteger(ms) && ms > -SECS_MAX_MS && ms < SECS_MAX_MS)) {
      this.text(String(ms / 1000));
      return;
    }
    let a = ms;
    if (a < 0) {
      a = -a;
      // String(-0.5) is "-0.5", and String(-0 / 1000) is "0".
      this.buf[this.n++] = MINUS;
    }
    const int = Math.floor(a / 1000);
    const frac = a - int * 1000;
    this.digits(int);
    if (frac !== 0) this.fraction(frac, 3);
  }

  /** `formatFloat(f)` (Go's strconv.FormatFloat(f, 'f', -1, 64)), without its string when it is a short decimal. */
  float(f: number): void {
    this.room(24);
    this.floatIn(f);
  }

  /** float() with room for 24 bytes made. */
  private floatIn(f: number): void {
    if (!(f > -SHORT_DECIMAL_MAX && f < SHORT_DECIMAL_MAX)) {
      this.text(formatFloatSlow(f));
      return;
    }
    const k = Math.round(f * 1e6);
    if (k / 1e6 !== f) {
      this.text(formatFloatSlow(f));
      return;
    }
    if (k === 0) {
      this.buf[this.n++] = ZERO;
      return;
    }
    let a = k;
    if (a < 0) {
      a = -a;
      this.buf[this.n++] = MINUS;
    }
    const int = Math.floor(a / 1e6);
    const frac = a - int * 1e6;
    this.digits(int);
    if (frac !== 0) this.fraction(frac, 6);
  }

  /** One `[<secs>,"<value>"]` pair, with a comma before it unless it is the first. */
  point(ms: number, v: number, first: boolean): void {
    this.room(56); // , [ secs(24) , " value(24) " ]
    const b = this.buf;
    if (!first) b[this.n++] = 0x2c;
    b[this.n++] = 0x5b;
    this.secsIn(ms);
    // A slow-path text may have moved the buffer.
    this.room(28);
    this.buf[this.n++] = 0x2c;
    this.buf[this.n++] = 0x22;
    this.floatIn(v);
    this.room(2);
    this.buf[this.n++] = 0x22;
    this.buf[this.n++] = 0x5d;
  }

  /** The bytes written, in a buffer of their own (the scratch is left to be collected). */
  done(): Buffer {
    return this.n === this.buf.length ? this.buf : this.buf.subarray(0, this.n);
  }
}
