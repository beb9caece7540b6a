import { constants } from 'node:os';
import { ZtsdbError, type ErrorContext } from '@ztsdb/errors';

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
      'ZTSDB_LIBBPF',
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
    super('ZTSDB_EBPF_UNAVAILABLE', message, context, options);
  }
}
