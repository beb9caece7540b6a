import type { ByteReader } from './byte-reader';
import { BlockCorruptError } from './errors';

/** 10^e for e = 0…15, all exact in float64. */
export const POW10: readonly number[] = Array.from({ length: 16 }, (_, e) => 10 ** e);
export const MAX_DECIMAL_EXPONENT = 15;
/** Largest |m|: keeps deltas and delta-of-deltas of m within the varint range. */
export const MAX_DECIMAL_MANTISSA = 2 ** 50;

/** Largest common factor g of a scaled or packed block's integers (m = g · n). */
export const MAX_DECIMAL_SCALE = 2 ** 52;

/** A decimal payload's exponent byte, checked (at most MAX_DECIMAL_EXPONENT). */
export function readDecimalExponent(p: ByteReader): number {
  const e = p.byte();
  if (e > MAX_DECIMAL_EXPONENT)
    throw new BlockCorruptError(`decimal exponent ${e} above ${MAX_DECIMAL_EXPONENT}`, {
      offset: p.pos - 1,
    });
  return e;
}

/** A scaled or packed payload's common factor (a uvarint), checked to be 1…2^52. */
export function readDecimalScale(p: ByteReader): number {
  const at = p.pos;
  const g = p.uvarint();
  if (g === 0 || g > MAX_DECIMAL_SCALE)
    throw new BlockCorruptError(`scale ${g} outside 1..2^52`, { offset: at });
  return g;
}

/** A block's values as integers m with v = m / 10^exponent exactly. */
export interface DecimalForm {
  exponent: number;
  mantissas: Float64Array;
}

/**
 * Find the smallest exponent e ≤ 15 at which every value is exactly m / 10^e
 * for an integer |m| ≤ 2^50, checked with the decoder's own division, so the
 * round trip is bit-exact. NaN, ±Inf and -0 have no such form: null.
 */
export function toDecimal(
  values: ArrayLike<number>,
  start: number,
  end: number,
): DecimalForm | null {
  let exponent = 0;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (!fitsAt(v, exponent)) {
      let e = exponent + 1;
      while (e <= MAX_DECIMAL_EXPONENT && !fitsAt(v, e)) e++;
      if (e > MAX_DECIMAL_EXPONENT) return null;
      exponent = e;
    }
  }
  // A value that fitted a smaller exponent must still fit the block's.
  const p = POW10[exponent]!;
  const mantissas = new Float64Array(end - start);
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    const m = Math.round(v * p);
    if (
      m / p !== v ||
      m > MAX_DECIMAL_MANTISSA ||
      m < -MAX_DECIMAL_MANTISSA ||
      (v === 0 && 1 / v < 0)
    )
      return null;
    mantissas[i - start] = m;
  }
  return { exponent, mantissas };
}

function fitsAt(v: number, e: number): boolean {
  const p = POW10[e]!;
  const m = Math.round(v * p);
  // NaN fails m / p === v; ±Inf fails the magnitude check; -0 is caught explicitly.
  return (
    m / p === v &&
    m <= MAX_DECIMAL_MANTISSA &&
    m >= -MAX_DECIMAL_MANTISSA &&
    !(v === 0 && 1 / v < 0)
  );
}
