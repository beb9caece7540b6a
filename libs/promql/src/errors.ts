/**
 * The errors the engine raises, each with the error type the Prometheus HTTP API reports for it
 * (`bad_data` for a query that does not parse or type-check, `execution` for one that fails
 * while running, `timeout` when it runs out of time).
 */
import { InvalidInputError, LimitExceededError, ZtsdbError } from '@ztsdb/errors';

export type PromErrorType = 'bad_data' | 'execution' | 'timeout';

/** The query text is not valid PromQL; the message starts with the position, like Prometheus. */
export class PromQLParseError extends InvalidInputError {
  readonly errorType: PromErrorType = 'bad_data';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('PROMQL_PARSE', message, context);
  }
}

/** The query is valid but cannot be evaluated on this data (e.g. many-to-many matching). */
export class PromQLExecutionError extends ZtsdbError {
  readonly errorType: PromErrorType = 'execution';
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('PROMQL_EXECUTION', message, context);
  }
}

/** More samples than `maxSamples` would be held in memory at once. */
export class PromQLTooManySamplesError extends LimitExceededError {
  readonly errorType: PromErrorType = 'execution';
  constructor(limit: number) {
    super(
      'PROMQL_TOO_MANY_SAMPLES',
      'query processing would load too many samples into memory in query execution',
      { limit },
    );
  }
}

/** The query ran longer than its time limit. */
export class PromQLTimeoutError extends LimitExceededError {
  readonly errorType: PromErrorType = 'timeout';
  constructor(where: string) {
    super('PROMQL_TIMEOUT', `query timed out in ${where}`);
  }
}
