import { ZtsdbError } from '@ztsdb/errors';

/** Stable codes of the errors this library raises. */
export const TIERSTORE_ERROR_CODES = {
  /** The manifest names an object the bucket does not hold. */
  objectMissing: 'ZTSDB_TIER_OBJECT_MISSING',
  /** The object's bytes are not the file the manifest recorded (size or CRC-32C). */
  objectMismatch: 'ZTSDB_TIER_OBJECT_MISMATCH',
  /** The download stopped before the whole object arrived. */
  fetchFailed: 'ZTSDB_TIER_FETCH',
  /** The manifest names neither an object nor a local file for a tier file. */
  noSource: 'ZTSDB_TIER_NO_SOURCE',
} as const;

/**
 * A tier file that could not be brought into the cache. `context.file` is
 * where the file would lie in the cache (so readers report it as they report
 * a damaged file), `context.object` the object's name in the bucket.
 */
export class TierFetchError extends ZtsdbError {}
