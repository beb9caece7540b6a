import type { NatsConnection } from '@nats-io/transport-node';
import { Objm, StorageType, type ObjectStore } from '@nats-io/obj';

/** The JetStream object store bucket that holds every warm and cold file (DESIGN.md "Storage tiers"). */
export const TIERS_BUCKET = 'ztsdb_tiers';

/** The stream behind the bucket (`OBJ_<bucket>`), for permissions. */
export const TIERS_STREAM = `OBJ_${TIERS_BUCKET}`;

/**
 * Name of a tier file's object: its path relative to the data dir, as the
 * manifest names the file (`warm/p0/seg-000000000042.warm`). One object per
 * file, never rewritten under the same name with other bytes.
 */
export const objectNameOf = (file: string): string => file;

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
