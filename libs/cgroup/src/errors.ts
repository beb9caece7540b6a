import { ZtsdbError, type ErrorContext } from '@ztsdb/errors';

/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const CGROUP_ERROR_CODES = {
  cgroupParse: 'ZTSDB_CGROUP_PARSE',
  cgroupRead: 'ZTSDB_CGROUP_READ',
  cgroupRoot: 'ZTSDB_CGROUP_ROOT',
  cgroupScan: 'ZTSDB_CGROUP_SCAN',
  dockerApi: 'ZTSDB_DOCKER_API',
  sourceNotStarted: 'ZTSDB_SOURCE_NOT_STARTED',
} as const;

/**
 * A cgroup file whose content is not what the kernel documents (truncated, a
 * word where a number belongs, a missing key). `context.file` names the file.
 */
export class CgroupParseError extends ZtsdbError {
  constructor(file: string, message: string, context: ErrorContext = {}) {
    super(CGROUP_ERROR_CODES.cgroupParse, `${file}: ${message}`, { ...context, file });
  }
}

/** A cgroup file or directory that could not be read for a reason other than its content. */
export class CgroupReadError extends ZtsdbError {
  constructor(file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(CGROUP_ERROR_CODES.cgroupRead, `cannot read ${file}: ${reason}`, { file }, { cause });
  }
}

/** No usable cgroup hierarchy: the root is missing or is not a cgroup mount. */
export class CgroupRootError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}) {
    super(CGROUP_ERROR_CODES.cgroupRoot, message, context);
  }
}

/** The Docker Engine API did not answer usefully (timeout, bad status, bad JSON). */
export class DockerApiError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(CGROUP_ERROR_CODES.dockerApi, message, context, options);
  }
}
