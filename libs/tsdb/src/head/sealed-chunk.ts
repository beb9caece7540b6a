/** A sealed Gorilla chunk of one series, ready to leave the head. */
export interface SealedChunk {
  seriesId: bigint;
  minT: number;
  maxT: number;
  count: number;
  /** Write order: on equal timestamps the chunk with the higher version wins. */
  version: number;
  /** chunkenc bytes (carry their own CRC-32C). */
  bytes: Uint8Array;
}
