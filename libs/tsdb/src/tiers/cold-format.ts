/** Cold columnar file layout; see docs/format/cold.md. */
export const COLD_MAGIC = 0x4c43545a; // "ZTCL" as bytes 5A 54 43 4C (u32 LE)
/**
 * 2: value blocks may use the scaled-decimal encoding (block tag 0x16); 3: also the
 * packed-decimal encoding (0x17, readable by index). Readers accept 1 to 3.
 */
export const COLD_VERSION = 3;
export const COLD_MIN_VERSION = 1;
export const COLD_HEADER_BYTES = 32;
export const COLD_SERIES_ENTRY_BYTES = 24;
export const COLD_BLOCK_ENTRY_BYTES = 64;
export const COLD_FOOTER_BYTES = 52;
export const COLD_EXTENSION = '.cold';
/** Points per block unless the writer is told otherwise. */
export const DEFAULT_COLD_BLOCK_POINTS = 4096;
/** Time window of one cold file unless the engine is told otherwise. */
export const DEFAULT_COLD_WINDOW_MS = 2 * 3600_000;

/** File name of the cold file of window `windowStart`, generation `gen`. */
export function coldFileName(windowStart: number, gen: number): string {
  return `w${windowStart.toString().padStart(15, '0')}-g${gen.toString().padStart(10, '0')}${COLD_EXTENSION}`;
}

/** One series' data in a cold file: sorted unique timestamps. */
export interface ColdSeries {
  seriesId: bigint;
  /** Highest write version of the data merged into it. */
  version: number;
  timestamps: Float64Array;
  values: Float64Array;
}
