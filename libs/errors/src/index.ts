export { ZtsdbError, CorruptionError, InvalidInputError, LimitExceededError } from './ztsdb-error';
export type { ErrorContext } from './ztsdb-error';
export { codeForStatus, httpErrorBody, notFoundBody } from './http-error-body';
