import { CorruptionError } from '@ztsdb/errors';

/** Stable codes of the errors this library raises (programs match on them, people read the message). */
export const REGISTRY_ERROR_CODES = {
  /** A registry snapshot that fails its structural or checksum check. */
  snapshotCorrupt: 'ZTSDB_REGISTRY_SNAPSHOT_CORRUPT',
} as const;

/** A registry snapshot that fails its structural or checksum check. */
export class RegistrySnapshotCorruptError extends CorruptionError {
  constructor(message: string, file: string, offset: number) {
    super(REGISTRY_ERROR_CODES.snapshotCorrupt, `${file}: ${message}`, { file, offset });
  }
}
