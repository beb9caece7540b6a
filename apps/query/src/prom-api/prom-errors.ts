import { ZtsdbError } from '@ztsdb/errors';

/** Prometheus's `errorType` values that this API answers. */
export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'unavailable' | 'internal';

/** A request that is not valid (400 `bad_data`), with Prometheus's wording. */
export class PromBadDataError extends ZtsdbError {
  constructor(message: string) {
    super('ZTSDB_BAD_PARAM', message);
  }
}

export interface PromFailure {
  status: number;
  errorType: PromErrorType;
  message: string;
}

const STATUS: Record<PromErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  unavailable: 503,
  internal: 500,
};

function typeOf(e: unknown): PromErrorType {
  const own = (e as { errorType?: unknown })?.errorType;
  if (own === 'bad_data' || own === 'execution' || own === 'timeout') return own;
  if (!(e instanceof ZtsdbError)) return 'internal';
  if (e.code === 'ZTSDB_TIMEOUT') return 'timeout';
  if (e.code === 'ZTSDB_BUSY') return 'unavailable';
  if (e.code === 'ZTSDB_LIMIT' || e.code === 'ZTSDB_TOO_LARGE') return 'execution';
  if (e.code.startsWith('ZTSDB_BAD_')) return 'bad_data';
  return 'internal';
}

/**
 * The status and `errorType` Prometheus gives for an error: 400 `bad_data` (the request or
 * query is wrong), 422 `execution` (it failed while running: too many samples, the memory
 * budget, many-to-many matching), 503 `timeout`, 503 `unavailable` (no query slot free).
 */
export function promFailureOf(e: unknown): PromFailure {
  const errorType = typeOf(e);
  return {
    status: STATUS[errorType],
    errorType,
    message: e instanceof Error ? e.message : String(e),
  };
}
