export { TIERS_BUCKET, TIERS_STREAM, objectNameOf, openTierBucket } from './tier-bucket';
export { TierCache, DEFAULT_TIER_CACHE_BYTES } from './tier-cache';
export type { TierCacheOptions } from './tier-cache';
export { downloadObject } from './object-download';
export type { TierFileRef, TierObjects } from './object-download';
export { TierStore } from './tier-store';
export type { BucketObject, TierStoreOptions } from './tier-store';
export { TierFetchError, TIERSTORE_ERROR_CODES } from './errors';
