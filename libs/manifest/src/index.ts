export { ManifestEventError, MANIFEST_ERROR_CODES } from './errors';
export { parseTierPath } from './manifest-check';
export { FileCatalog } from './file-catalog';
export type { CatalogFile } from './file-catalog';
export { addedEvent, removalEvent, sizeAndCrc } from './file-events';
export { ManifestFollower } from './manifest-follower';
export type { FollowOptions } from './manifest-follower';
export { ManifestPublisher } from './manifest-publisher';
