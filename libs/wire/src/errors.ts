import { CorruptionError } from '@ztsdb/errors';

/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const WIRE_ERROR_CODES = {
  wireShort: 'ZTSDB_WIRE_SHORT',
  wireMagic: 'ZTSDB_WIRE_MAGIC',
  wireVersion: 'ZTSDB_WIRE_VERSION',
  wireLength: 'ZTSDB_WIRE_LENGTH',
  wireChecksum: 'ZTSDB_WIRE_CHECKSUM',
  wireReserved: 'ZTSDB_WIRE_RESERVED',
  wireIndex: 'ZTSDB_WIRE_INDEX',
  wireChunk: 'ZTSDB_WIRE_CHUNK',
  wireBody: 'ZTSDB_WIRE_BODY',
  wireMismatch: 'ZTSDB_WIRE_MISMATCH',
  wirePartial: 'ZTSDB_WIRE_PARTIAL',
} as const;

/** A message on the bus that is not what its subject promises. `code` says what was wrong. */
export class WireDecodeError extends CorruptionError {}
