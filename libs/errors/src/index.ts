export { ZtsdbError, CorruptionError, InvalidInputError, LimitExceededError } from './ztsdb-error';
export type { ErrorContext } from './ztsdb-error';
