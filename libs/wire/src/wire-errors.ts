import { CorruptionError } from '@ztsdb/errors';

/** A message on the bus that is not what its subject promises. `code` says what was wrong. */
export class WireDecodeError extends CorruptionError {}
