import { ZtsdbError, type ErrorContext } from '@ztsdb/errors';

/**
 * A cgroup file whose content is not what the kernel documents (truncated, a
 * word where a number belongs, a missing key). `context.file` names the file.
 */
export class CgroupParseError extends ZtsdbError {
  constructor(file: string, message: string, context: ErrorContext = {}) {
    super('ZTSDB_CGROUP_PARSE', `${file}: ${message}`, { ...context, file });
  }
}

/** A cgroup file or directory that could not be read for a reason other than its content. */
export class CgroupReadError extends ZtsdbError {
  constructor(file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('ZTSDB_CGROUP_READ', `cannot read ${file}: ${reason}`, { file }, { cause });
  }
}

/** No usable cgroup hierarchy: the root is missing or is not a cgroup mount. */
export class CgroupRootError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ZTSDB_CGROUP_ROOT', message, context);
  }
}

/** The Docker Engine API did not answer usefully (timeout, bad status, bad JSON). */
export class DockerApiError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('ZTSDB_DOCKER_API', message, context, options);
  }
}
