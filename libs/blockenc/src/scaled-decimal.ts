import { TAG_VAL_SCALED } from './block-format';
import { frameBlock } from './block-frame';
import { unzigzag, type ByteReader } from './byte-reader';
import { ByteWriter } from './byte-writer';
import {
  MAX_DECIMAL_SCALE,
  POW10,
  readDecimalExponent,
  readDecimalScale,
  type DecimalForm,
} from './decimal';
import { BlockCorruptError } from './errors';

/**
 * Scaled-decimal value blocks (tag 0x16, docs/format/block.md): values
 * v = (m × g) / 10^e with g the greatest common divisor of the block's
 * integers (4096 for page-sized byte counts), the integers m stored as offsets
 * from a base, deltas or delta-of-deltas, zigzagged, laid out either as
 * varints or as byte planes (all low bytes, then all second bytes, …), which
 * a general-purpose compressor models far better than interleaved varints.
 */
export const SCALED_MODE_OFFSET = 0;
export const SCALED_MODE_DELTA = 1;
export const SCALED_MODE_DOD = 2;
export const SCALED_LAYOUT_VARINT = 0;
export const SCALED_LAYOUT_PLANES = 1;
const MAX_PLANES = 7;

const zz = (x: number): number => (x >= 0 ? 2 * x : -2 * x - 1);

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/** Zigzag residuals of a mode (n for offset, n − 1 otherwise) and the base. */
function residuals(m: Float64Array, mode: number): { base: number; r: Float64Array } {
  const n = m.length;
  if (mode === SCALED_MODE_OFFSET) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = m[i]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const base = Math.floor((lo + hi) / 2);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = zz(m[i]! - base);
    return { base, r };
  }
  const r = new Float64Array(n - 1);
  let pd = 0;
  for (let i = 1; i < n; i++) {
    const d = m[i]! - m[i - 1]!;
    r[i - 1] = zz(mode === SCALED_MODE_DELTA || i === 1 ? d : d - pd);
    pd = d;
  }
  return { base: m[0]!, r };
}

function payload(
  e: number,
  g: number,
  base: number,
  mode: number,
  layout: number,
  r: Float64Array,
): Uint8Array {
  const w = new ByteWriter(16 + r.length * 3);
  w.byte(mode | (layout << 4));
  w.byte(e);
  w.uvarint(g);
  w.zigzag(base);
  if (layout === SCALED_LAYOUT_VARINT) {
    for (let i = 0; i < r.length; i++) w.uvarint(r[i]!);
    return w.result();
  }
  let max = 0;
  for (let i = 0; i < r.length; i++) if (r[i]! > max) max = r[i]!;
  let planes = 0;
  while (max >= 1) {
    planes++;
    max = Math.floor(max / 256);
  }
  w.byte(planes);
  const n = r.length;
  const out = new Uint8Array(n * planes);
  for (let i = 0; i < n; i++) {
    let x = r[i]!;
    for (let k = 0; k < planes; k++) {
      out[k * n + i] = x % 256;
      x = Math.floor(x / 256);
    }
  }
  w.bytes(out);
  return w.result();
}

/**
 * Candidate scaled-decimal blocks for decimal form `dec` (≥ 2 values): each
 * mode in the byte-plane layout, and the varint layout of the mode with the
 * fewest varint bytes, each framed (and compressed when that pays).
 */
export function scaledCandidates(dec: DecimalForm): Uint8Array[] {
  return scaledPayloads(dec).map((p) => frameBlock(TAG_VAL_SCALED, dec.mantissas.length, p));
}

/** The unframed payloads of scaledCandidates (block tag TAG_VAL_SCALED). */
export function scaledPayloads(dec: DecimalForm): Uint8Array[] {
  const src = dec.mantissas;
  const n = src.length;
  let g = 0;
  for (let i = 0; i < n; i++) g = gcd(g, Math.abs(src[i]!));
  if (g === 0 || g > MAX_DECIMAL_SCALE) g = 1;
  const m = g === 1 ? src : src.map((x) => x / g);
  const out: Uint8Array[] = [];
  let bestVarMode = SCALED_MODE_OFFSET;
  let bestVarBytes = Infinity;
  const forms: { base: number; r: Float64Array }[] = [];
  for (let mode = SCALED_MODE_OFFSET; mode <= SCALED_MODE_DOD; mode++) {
    const f = residuals(m, mode);
    forms.push(f);
    let bytes = 0;
    for (let i = 0; i < f.r.length; i++) bytes += f.r[i]! < 128 ? 1 : f.r[i]! < 16384 ? 2 : 3;
    if (bytes < bestVarBytes) {
      bestVarBytes = bytes;
      bestVarMode = mode;
    }
    out.push(payload(dec.exponent, g, f.base, mode, SCALED_LAYOUT_PLANES, f.r));
  }
  const f = forms[bestVarMode]!;
  out.push(payload(dec.exponent, g, f.base, bestVarMode, SCALED_LAYOUT_VARINT, f.r));
  return out;
}

/** Decode a scaled-decimal payload into `out` (its length is the count). Throws BlockCorruptError. */
export function decodeScaled(p: ByteReader, out: Float64Array): void {
  const at = p.pos;
  const head = p.byte();
  const mode = head & 0x0f;
  const layout = head >>> 4;
  if (mode > SCALED_MODE_DOD || layout > SCALED_LAYOUT_PLANES) {
    throw new BlockCorruptError(`scaled block mode ${mode} / layout ${layout} unknown`, {
      offset: at,
    });
  }
  const e = readDecimalExponent(p);
  const g = readDecimalScale(p);
  const base = p.zigzag();
  const n = out.length;
  const count = mode === SCALED_MODE_OFFSET ? n : n - 1;
  const first = mode === SCALED_MODE_OFFSET ? 0 : 1;
  // Residuals land in out[first…] as plain numbers, then become values in place.
  if (layout === SCALED_LAYOUT_VARINT) {
    for (let i = 0; i < count; i++) out[first + i] = p.uvarint();
  } else {
    const planes = p.byte();
    if (planes > MAX_PLANES)
      throw new BlockCorruptError(`${planes} byte planes (at most ${MAX_PLANES})`, {
        offset: p.pos - 1,
      });
    p.need(planes * count, 'byte planes');
    const b = p.buf;
    const s = p.pos;
    for (let i = 0; i < count; i++) out[first + i] = 0;
    let mul = 1;
    for (let k = 0; k < planes; k++) {
      const o = s + k * count;
      for (let i = 0; i < count; i++) out[first + i] = out[first + i]! + b[o + i]! * mul;
      mul *= 256;
    }
    p.pos = s + planes * count;
  }
  const pw = POW10[e]!;
  if (mode === SCALED_MODE_OFFSET) {
    for (let i = 0; i < n; i++) out[i] = ((base + unzigzag(out[i]!)) * g) / pw;
    return;
  }
  let m = base;
  out[0] = (m * g) / pw;
  let d = 0;
  for (let i = 1; i < n; i++) {
    const x = unzigzag(out[i]!);
    d = mode === SCALED_MODE_DELTA || i === 1 ? x : d + x;
    m += d;
    out[i] = (m * g) / pw;
  }
}
