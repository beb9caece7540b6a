/**
 * An 8-byte scratch word viewed as a float64 and as two int32 halves, so hot
 * loops move float bit patterns without BigInt or an object per value.
 * `hi`/`lo` index the high and low 32 bits whatever the host's byte order.
 *
 * Each hot module takes its own scratch into module-local constants
 * (`const { f64, i32, hi, lo } = makeFloatScratch()`) rather than importing
 * shared ones: CommonJS output reads imports through getters, and two modules
 * exporting look-alike names can turn those reads megamorphic (measured 4×
 * slower decoding).
 */
export interface FloatScratch {
  f64: Float64Array;
  i32: Int32Array;
  hi: number;
  lo: number;
}

export function makeFloatScratch(): FloatScratch {
  const f64 = new Float64Array(1);
  const i32 = new Int32Array(f64.buffer);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return { f64, i32, hi: littleEndian ? 1 : 0, lo: littleEndian ? 0 : 1 };
}

/** 2^32 as a number, for splitting and joining 64-bit integers. */
export const TWO_32 = 4294967296;
