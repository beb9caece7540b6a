/**
 * Snappy's block format (no framing), as Prometheus remote_write sends it: a varint of the
 * decoded length, then elements — literals and copies of earlier output. The decoder trusts
 * no length or offset that the input and the declared size do not back.
 */

export class SnappyError extends Error {
  readonly code = 'SNAPPY_CORRUPT';
}

/** The decoded length a block declares, and where its elements start. */
export function snappyDecodedLength(input: Uint8Array): { length: number; offset: number } {
  let length = 0;
  let mul = 1;
  let i = 0;
  for (;;) {
    if (i >= input.length) throw new SnappyError('snappy: truncated length');
    const b = input[i++]!;
    if (mul === 268_435_456 && b > 0x0f) throw new SnappyError('snappy: length over 2^32');
    length += (b & 0x7f) * mul;
    if (b < 0x80) break;
    // Multiplications, not `2 ** shift`: V8 compiles a variable power into a call of its
    // generic pow, which once made this function several times slower than the copying.
    mul *= 128;
    if (mul > 268_435_456) throw new SnappyError('snappy: length varint too long');
  }
  return { length, offset: i };
}

/**
 * Literals up to this many bytes are copied byte by byte, longer ones through `set` (a call
 * and a subarray cost about as much as copying this many bytes in the loop).
 */
const SHORT_LITERAL = 32;
/** Copies up to this many bytes go through the loop; longer ones through `copyWithin`. */
const SHORT_COPY = 64;

/**
 * Decodes one block; refuses a declared length over `maxLength` before allocating. With
 * `into` long enough, the output is the start of `into` (a receiver reuses one buffer for
 * every request) and a new buffer otherwise.
 */
export function snappyDecode(input: Uint8Array, maxLength: number, into?: Buffer): Buffer {
  const { length, offset } = snappyDecodedLength(input);
  if (length > maxLength)
    throw new SnappyError(`snappy: decoded length ${length} over the limit of ${maxLength}`);
  const out =
    into !== undefined && into.length >= length
      ? into.subarray(0, length)
      : Buffer.allocUnsafe(length);
  const o = decodeElements(input, offset, out, length);
  if (o !== length) throw new SnappyError(`snappy: decoded ${o} bytes, declared ${length}`);
  return out;
}

/**
 * The elements of `input` from `i` into `out` (at most `length` bytes); the bytes written.
 * Copies of four bytes or more that do not overlap by less than four move four bytes a step
 * through DataViews: labels repeat in words of that size, and Prometheus' blocks are mostly
 * copies.
 */
function decodeElements(input: Uint8Array, i: number, out: Buffer, length: number): number {
  const n = input.length;
  const view = new DataView(out.buffer, out.byteOffset, length);
  let o = 0;
  while (i < n) {
    const tag = input[i++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (i + bytes > n) throw new SnappyError(`snappy: truncated literal length at ${i}`);
        len = input[i]!;
        if (bytes > 1) len |= input[i + 1]! << 8;
        if (bytes > 2) len |= input[i + 2]! << 16;
        if (bytes > 3) len += input[i + 3]! * 16_777_216;
        i += bytes;
      }
      len += 1;
      if (len > n - i)
        throw new SnappyError(`snappy: literal of ${len} bytes past the input at ${i}`);
      if (len > length - o) throw new SnappyError('snappy: output longer than declared');
      if (len <= SHORT_LITERAL) for (let k = 0; k < len; k++) out[o + k] = input[i + k]!;
      else out.set(input.subarray(i, i + len), o);
      i += len;
      o += len;
      continue;
    }
    let len: number;
    let dist: number;
    if (kind === 1) {
      if (i >= n) throw new SnappyError('snappy: truncated copy');
      len = 4 + ((tag >>> 2) & 7);
      dist = ((tag >>> 5) << 8) | input[i++]!;
    } else if (kind === 2) {
      if (i + 2 > n) throw new SnappyError('snappy: truncated copy');
      len = 1 + (tag >>> 2);
      dist = input[i]! | (input[i + 1]! << 8);
      i += 2;
    } else {
      if (i + 4 > n) throw new SnappyError('snappy: truncated copy');
      len = 1 + (tag >>> 2);
      dist =
        (input[i]! | (input[i + 1]! << 8) | (input[i + 2]! << 16)) + input[i + 3]! * 16_777_216;
      i += 4;
    }
    if (dist === 0 || dist > o) throw new SnappyError(`snappy: copy offset ${dist} at output ${o}`);
    if (len > length - o) throw new SnappyError('snappy: output longer than declared');
    let from = o - dist;
    const end = o + len;
    if (len > SHORT_COPY && dist >= len) {
      out.copyWithin(o, from, from + len);
      o = end;
      continue;
    }
    // A word read at `from` is whole before it is written over when dist ≥ 4; overlapping
    // copies with a shorter distance repeat their last `dist` bytes, which only bytes do.
    if (dist >= 4)
      for (; o + 4 <= end; o += 4, from += 4) view.setInt32(o, view.getInt32(from, true), true);
    for (; o < end; o++, from++) out[o] = out[from]!;
  }
  return o;
}

/** Output of the encoder: a buffer sized for the worst case (all literals). */
class Out {
  readonly buf: Buffer;
  len = 0;
  constructor(inputLength: number) {
    this.buf = Buffer.allocUnsafe(32 + inputLength + Math.ceil(inputLength / 6));
  }
  byte(b: number): void {
    this.buf[this.len++] = b;
  }
}

function literal(out: Out, src: Uint8Array, from: number, to: number): void {
  const len = to - from;
  if (len <= 0) return;
  const n = len - 1;
  if (n < 60) out.byte(n << 2);
  else if (n < 0x100) {
    out.byte(60 << 2);
    out.byte(n);
  } else if (n < 0x10000) {
    out.byte(61 << 2);
    out.byte(n & 0xff);
    out.byte(n >>> 8);
  } else if (n < 0x1000000) {
    out.byte(62 << 2);
    out.byte(n & 0xff);
    out.byte((n >>> 8) & 0xff);
    out.byte(n >>> 16);
  } else {
    out.byte(63 << 2);
    out.byte(n & 0xff);
    out.byte((n >>> 8) & 0xff);
    out.byte((n >>> 16) & 0xff);
    out.byte(n >>> 24);
  }
  out.buf.set(src.subarray(from, to), out.len);
  out.len += len;
}

function copy(out: Out, dist: number, len: number): void {
  while (len > 0) {
    const take = Math.min(len, 64); // a 2-byte-offset copy holds 1..64 bytes
    out.byte(((take - 1) << 2) | 2);
    out.byte(dist & 0xff);
    out.byte(dist >>> 8);
    len -= take;
  }
}

/**
 * Encodes one block with a greedy hash matcher over 4-byte windows (offsets under 64 KiB).
 * Output is valid snappy; ratios are close to the reference encoder's on label-heavy data.
 */
export function snappyEncode(input: Uint8Array): Buffer {
  const out = new Out(input.length);
  let len = input.length;
  do {
    out.byte((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
    len = Math.floor(len / 128);
  } while (len > 0);
  const table = new Int32Array(1 << 14).fill(-1);
  const n = input.length;
  let lit = 0;
  let i = 0;
  while (i + 4 <= n) {
    const h =
      (Math.imul(
        input[i]! | (input[i + 1]! << 8) | (input[i + 2]! << 16) | (input[i + 3]! << 24),
        0x1e35a7bd,
      ) >>>
        18) &
      0x3fff;
    const cand = table[h]!;
    table[h] = i;
    if (
      cand >= 0 &&
      i - cand < 0x10000 &&
      input[cand] === input[i] &&
      input[cand + 1] === input[i + 1] &&
      input[cand + 2] === input[i + 2] &&
      input[cand + 3] === input[i + 3]
    ) {
      literal(out, input, lit, i);
      let m = 4;
      while (i + m < n && input[cand + m] === input[i + m]) m++;
      copy(out, i - cand, m);
      i += m;
      lit = i;
    } else i++;
  }
  literal(out, input, lit, n);
  return out.buf.subarray(0, out.len);
}
