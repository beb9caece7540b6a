import type { NatsConnection } from '@nats-io/transport-node';
import { Objm, StorageType, type ObjectStore } from '@nats-io/obj';

/** The JetStream object store bucket that holds every warm and cold file (DESIGN.md "Storage tiers"). */
export const TIERS_BUCKET = 'ztsdb_tiers';

/** The stream behind the bucket (`OBJ_<bucket>`), for permissions. */
export const TIERS_STREAM = `OBJ_${TIERS_BUCKET}`;

/**
 * Name of a tier file's object: its path relative to the data dir, as the
 * manifest names the file, and its CRC-32C in 8 hex digits
 * (`warm/p0/seg-000000000042.warm@1a2b3c4d`). A compactor that lost its lease
 * while cut off may still write a file of the same name as the new holder's;
 * with the checksum in the name it cannot replace the new holder's object, so
 * no name is ever rewritten with other bytes.
 */
export const objectNameOf = (file: string, crc32c: number): string =>
  `${file}@${(crc32c >>> 0).toString(16).padStart(8, '0')}`;

/**
 * Opens the bucket, creating it on file storage with `replicas` copies when
 * it does not exist yet (any service may be the first to start).
 */
export function openTierBucket(nc: NatsConnection, replicas: number): Promise<ObjectStore> {
  return new Objm(nc).create(TIERS_BUCKET, {
    storage: StorageType.File,
    replicas,
    description: 'ztsdb warm and cold files, named by the manifest',
  });
}
