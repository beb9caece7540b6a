/** One sample. Hot paths carry columns of these in typed arrays instead. */
export interface DataPoint {
  seriesId: bigint;
  timestamp: number; // ms since epoch
  value: number;
}
