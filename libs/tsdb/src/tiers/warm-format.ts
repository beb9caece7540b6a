/** Warm segment file layout; see docs/format/warm.md. */
export const WARM_MAGIC = 0x4d57545a; // "ZTWM" as bytes 5A 54 57 4D (u32 LE)
/** 2: chunks may be packed chunks (chunk version 2). Readers accept 1 and 2. */
export const WARM_VERSION = 2;
export const WARM_MIN_VERSION = 1;
export const WARM_HEADER_BYTES = 16;
export const WARM_SERIES_ENTRY_BYTES = 16;
export const WARM_CHUNK_ENTRY_BYTES = 48;
export const WARM_FOOTER_BYTES = 52;
export const WARM_EXTENSION = '.warm';

/** File name of the warm segment with sequence `seq`. */
export function warmFileName(seq: number): string {
  return `seg-${seq.toString().padStart(12, '0')}${WARM_EXTENSION}`;
}
