/**
 * The i64 millisecond timestamp column of the bus messages (sample batch, hot
 * reply): little-endian, written and read as two u32 halves so no BigInt is
 * made per point. The caller checks the column lies inside the message.
 */
const TWO_32 = 4294967296;

/** Writes `n` timestamps into `halves` (2 × n u32 words, low half first). */
export function writeTimestampColumn(
  halves: Uint32Array,
  timestamps: ArrayLike<number>,
  n: number,
  requireIntegers = false,
): void {
  for (let i = 0; i < n; i++) {
    const t = timestamps[i]!;
    if (requireIntegers && !Number.isSafeInteger(t))
      throw new RangeError(`timestamp at ${i} is not an integer millisecond: ${t}`);
    const hi = Math.floor(t / TWO_32);
    halves[2 * i] = t - hi * TWO_32;
    halves[2 * i + 1] = hi >>> 0;
  }
}

/** Reads `n` timestamps from `halves` (2 × n i32 words, low half first), into `out` when given. */
export function readTimestampColumn(
  halves: Int32Array,
  n: number,
  out?: Float64Array,
): Float64Array {
  const timestamps = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) timestamps[i] = halves[2 * i + 1]! * TWO_32 + (halves[2 * i]! >>> 0);
  return timestamps;
}
