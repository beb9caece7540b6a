import { existsSync } from 'node:fs';
import { DataType, load, open } from 'ffi-rs';
import { LibbpfError } from './errors';

export const TRACEFS_PATH = '/sys/kernel/tracing';
/** libbpf prefers this path when it exists. */
export const DEBUGFS_TRACING_PATH = '/sys/kernel/debug/tracing';

/** The tracefs libbpf will use for tracepoint ids, or undefined when none is mounted. */
export function tracefsPath(): string | undefined {
  for (const path of [DEBUGFS_TRACING_PATH, TRACEFS_PATH]) {
    if (existsSync(`${path}/events`)) return path;
  }
  return undefined;
}

let libcOpen = false;

/** mount(2) through libc; throws LibbpfError (call `mount`) with errno. */
function mount(source: string, target: string, fstype: string): void {
  if (!libcOpen) {
    open({ library: 'ztsdb_libc', path: 'libc.so.6' });
    libcOpen = true;
  }
  const res = load({
    library: 'ztsdb_libc',
    funcName: 'mount',
    retType: DataType.I32,
    paramsType: [DataType.String, DataType.String, DataType.String, DataType.U64, DataType.I64],
    paramsValue: [source, target, fstype, 0, 0],
    errno: true,
  }) as unknown as { value: number; errnoCode: number };
  if (res.value !== 0)
    throw new LibbpfError('mount', res.errnoCode || 1, `tracefs at ${target}`, { file: target });
}

/**
 * Makes sure a tracefs is reachable (libbpf reads tracepoint ids from it):
 * returns the path in use, mounting tracefs at /sys/kernel/tracing when none
 * is and we are permitted. Throws LibbpfError when the mount fails.
 */
export function ensureTracefs(): string {
  const existing = tracefsPath();
  if (existing) return existing;
  if (!existsSync(TRACEFS_PATH)) {
    throw new LibbpfError('mount', 2, `${TRACEFS_PATH} does not exist (kernel without tracefs?)`, {
      file: TRACEFS_PATH,
    });
  }
  mount('nodev', TRACEFS_PATH, 'tracefs');
  if (!existsSync(`${TRACEFS_PATH}/events`)) {
    throw new LibbpfError('mount', 2, `tracefs mounted but ${TRACEFS_PATH}/events is missing`, {
      file: TRACEFS_PATH,
    });
  }
  return TRACEFS_PATH;
}
