import { ZtsdbError } from '@ztsdb/errors';

/** Stable codes of the errors this library raises (programs match on them, people read the message). */
export const MANIFEST_ERROR_CODES = {
  /** A manifest event that is well framed but names what the compactor never writes. */
  badEvent: 'ZTSDB_MANIFEST_EVENT',
} as const;

/** A manifest event that is well framed but names what the compactor never writes. */
export class ManifestEventError extends ZtsdbError {
  constructor(message: string, file?: string) {
    super(MANIFEST_ERROR_CODES.badEvent, message, file !== undefined ? { file } : {});
  }
}
