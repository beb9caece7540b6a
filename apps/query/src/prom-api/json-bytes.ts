import { formatFloatSlow } from '@ztsdb/promql';

/** Below this magnitude a double's spacing is under 1e-6 (the bound of shortDecimal in @ztsdb/promql). */
const SHORT_DECIMAL_MAX = 2 ** 30;
/** Integer milliseconds below this, as seconds, are written from integers (their doubles are under 2^40 s, 2^-12 apart). */
const SECS_MAX_MS = 1e15;
const DOT = 0x2e;
const MINUS = 0x2d;
const ZERO = 0x30;
/** Milliseconds whose whole seconds are below 2^31. */
const INT_SECS_MAX_MS = 2147483648000;
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

  /** A non-negative integer below 2^53, in decimal. */
  private digits(x: number): void {
    if (x < 2147483648) {
      this.n = writeUint31(this.buf, this.n, x);
      return;
    }
    const b = this.buf;
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
    if (frac !== 0) this.n = writeFraction(this.buf, this.n, frac, 3);
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
    if (frac !== 0) this.n = writeFraction(this.buf, this.n, frac, 6);
  }

  /** One `[<secs>,"<value>"]` pair, with a comma before it unless it is the first. */
  point(ms: number, v: number, first: boolean): void {
    this.room(56); // , [ secs(24) , " value(24) " ]
    let b = this.buf;
    let n = this.n;
    if (!first) b[n++] = 0x2c;
    b[n++] = 0x5b;
    // Whole seconds below 2^31 (until 2038) and short decimals below 2^31 millionths (|v| under
    // 2147.48) in int32 arithmetic, on locals; anything else through secsIn / floatIn.
    if (ms >= 0 && ms < INT_SECS_MAX_MS && Number.isInteger(ms)) {
      const int = Math.floor(ms / 1000);
      n = writeUint31(b, n, int);
      const frac = ms - int * 1000;
      if (frac !== 0) n = writeFraction(b, n, frac, 3);
    } else {
      this.n = n;
      this.secsIn(ms);
      this.room(28);
      b = this.buf;
      n = this.n;
    }
    b[n++] = 0x2c;
    b[n++] = 0x22;
    const k = Math.round(v * 1e6);
    if (k > -2147483648 && k < 2147483648 && k / 1e6 === v) {
      let a = k | 0;
      if (a < 0) {
        a = -a;
        b[n++] = MINUS;
      }
      const int = (a / 1000000) | 0;
      n = writeUint31(b, n, int);
      const frac = a - int * 1000000;
      if (frac !== 0) n = writeFraction(b, n, frac, 6);
    } else {
      this.n = n;
      this.floatIn(v);
      this.room(2);
      b = this.buf;
      n = this.n;
    }
    b[n++] = 0x22;
    b[n++] = 0x5d;
    this.n = n;
  }

  /** The bytes written, in a buffer of their own (the scratch is left to be collected). */
  done(): Buffer {
    return this.n === this.buf.length ? this.buf : this.buf.subarray(0, this.n);
  }
}

/** x (an integer, 0 ≤ x < 2^31) in decimal at b[n]; returns the position after it. */
function writeUint31(b: Buffer, n: number, x: number): number {
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
  const end = n + len;
  let at = end;
  while (v >= 100) {
    const q = (v / 100) | 0;
    const r = (v - q * 100) << 1;
    b[--at] = PAIRS[r + 1]!;
    b[--at] = PAIRS[r]!;
    v = q;
  }
  if (v >= 10) {
    b[at - 1] = PAIRS[(v << 1) + 1]!;
    b[at - 2] = PAIRS[v << 1]!;
  } else b[at - 1] = ZERO + v;
  return end;
}

/** `.` and the integer f (1 ≤ f < 10^width < 2^31) as `width` digits less its trailing zeros, at b[n]. */
function writeFraction(b: Buffer, n: number, f: number, width: number): number {
  let x = f | 0;
  let w = width;
  while (x % 10 === 0) {
    x = (x / 10) | 0;
    w--;
  }
  b[n++] = DOT;
  const end = n + w;
  let at = end;
  while (at > n) {
    const q = (x / 10) | 0;
    b[--at] = ZERO + (x - q * 10);
    x = q;
  }
  return end;
}
