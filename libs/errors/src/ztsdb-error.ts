/** Structured context that tells an operator where an error happened. */
export interface ErrorContext {
  file?: string;
  offset?: number;
  subject?: string;
  seriesId?: bigint | string;
  [key: string]: unknown;
}

/**
 * Base of every error ztsdb raises on purpose. `code` is stable and meant for
 * programs (tests, metrics, DLQ headers); the message is for people.
 */
export class ZtsdbError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(
    code: string,
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** Bytes on disk or on the wire that fail a structural or checksum check. */
export class CorruptionError extends ZtsdbError {
  constructor(
    code: string,
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, context, options);
  }
}

/** A caller handed in something that can never be valid (bad parameter, bad name). */
export class InvalidInputError extends ZtsdbError {}

/** A request that would exceed a configured limit (points, series, time). */
export class LimitExceededError extends ZtsdbError {}
