import { constants } from 'node:os';
import { ZtsdbError, type ErrorContext } from '@ztsdb/errors';

/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const EBPF_ERROR_CODES = {
  libbpf: 'ZTSDB_LIBBPF',
  ebpfUnavailable: 'ZTSDB_EBPF_UNAVAILABLE',
  ebpfRootCgroup: 'ZTSDB_EBPF_ROOT_CGROUP',
  ebpfClosed: 'ZTSDB_EBPF_CLOSED',
  notCgroup2: 'ZTSDB_NOT_CGROUP2',
} as const;

const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno).map(([name, n]) => [n, name]),
);
// Kernel-internal codes that leak out of bpf(2) and are missing from os.constants.
ERRNO_NAMES.set(524, 'ENOTSUPP');

/** `ENOENT` for 2, `ENOTSUPP` for 524, `errno 1234` for anything unknown. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/**
 * A libbpf (or libc) call failed. `call` names the C function, `errno` is the
 * positive error number (libbpf returns -errno, or NULL and sets errno).
 */
export class LibbpfError extends ZtsdbError {
  readonly call: string;
  readonly errno: number;

  constructor(
    call: string,
    errno: number,
    detail = '',
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    const name = errnoName(errno);
    super(
      EBPF_ERROR_CODES.libbpf,
      `${call} failed: ${name}${detail ? ` (${detail})` : ''}`,
      { ...context, call, errno, errnoName: name },
      options,
    );
    this.call = call;
    this.errno = errno;
  }
}

/** The eBPF machinery cannot be used here; `reason` says why (see probeEbpf). */
export class EbpfUnavailableError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(EBPF_ERROR_CODES.ebpfUnavailable, message, context, options);
  }
}
