import type { Points } from '../encoding/points';

/** The write side of the engine (Prometheus' storage.Appender, one sample at a time). */
export interface Appender {
  /**
   * Buffers one sample. Returns false when its partition's buffer is full
   * (retry after a drain: await a turn, or call drain()). Throws
   * OutOfOrderError beyond the out-of-order window, InvalidInputError for a
   * bad id or timestamp.
   */
  insert(seriesId: bigint, timestampMs: number, value: number): boolean;
  /** Moves every buffered sample into the heads now (WAL entries queued, not yet durable). */
  drain(): number;
  /** Everything inserted so far is durable in the WAL when this resolves. */
  flush(): Promise<void>;
}

/** The read side: every tier of one series, merged, latest write wins. */
export interface Querier {
  /** Points of one series in [startMs, endMs], ascending, one value per timestamp. */
  query(seriesId: bigint, startMs: number, endMs: number): Points;
}
