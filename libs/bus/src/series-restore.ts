import type { KV } from '@nats-io/kv';
import { withRetry, type RetryPolicy } from './retry';
import { encodeSeriesEntry, type SeriesEntry } from '@ztsdb/model';

/**
 * Puts back every entry of `entries` whose key KV `ztsdb_series` lacks.
 * Uses `create`, which refuses a key that exists, so an entry a producer
 * wrote meanwhile is never overwritten. Returns how many were restored.
 */
export async function restoreMissingSeries(
  kv: KV,
  entries: Iterable<SeriesEntry>,
  retry: RetryPolicy,
): Promise<number> {
  const present = new Set<string>();
  const keys = await withRetry('listing keys of KV ztsdb_series', () => kv.keys(), retry);
  for await (const k of keys) present.add(k);
  let restored = 0;
  for (const e of entries) {
    if (present.has(e.id)) continue;
    try {
      await withRetry(
        `restoring ${e.name} in KV ztsdb_series`,
        () => kv.create(e.id, encodeSeriesEntry(e)),
        retry,
      );
      restored++;
    } catch (err) {
      // Written by a producer since the listing: theirs is newer.
      if (!/wrong last sequence|key exists/i.test((err as Error).message)) throw err;
    }
  }
  return restored;
}
