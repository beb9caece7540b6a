import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZtsdbError } from '@ztsdb/errors';
import { MEMORY_TOTAL_METRIC } from '@ztsdb/model';
import { CgroupReadError } from './errors';
import { v1PathOf, type CgroupLayout } from './cgroup-layout';
import {
  parseBlkioReadWrite,
  parseCpuStatUsageUsec,
  parseFlatKey,
  parseIoStat,
  parseSingleUint,
} from './cgroup-parsers';

/** Slots of a counter row as readCgroupCounters fills it. */
export const COUNTER_CPU_NS = 0;
export const COUNTER_MEMORY_BYTES = 1;
export const COUNTER_READ_BYTES = 2;
export const COUNTER_WRITE_BYTES = 3;
export const COUNTER_READ_OPS = 4;
export const COUNTER_WRITE_OPS = 5;
/** Usage with the page cache (memory.current / memory.usage_in_bytes as read). */
export const COUNTER_MEMORY_TOTAL_BYTES = 6;
export const COUNTER_COUNT = 7;

/** The metric each slot becomes (cpu as percent, memory as a gauge, the rest per second). */
export const COUNTER_METRICS = [
  'container.cpu.usage',
  'container.memory.bytes',
  'container.block.read.bytes',
  'container.block.write.bytes',
  'container.block.read.ops',
  'container.block.write.ops',
  MEMORY_TOTAL_METRIC,
] as const;

export type BlockIoFiles =
  { kind: 'io.stat'; file: string } | { kind: 'blkio'; bytesFile: string; opsFile: string };

/** Which files hold one cgroup's counters; a counter with no file is absent (NaN). */
export interface CgroupFiles {
  /** v2 `cpu.stat` (usage_usec) or v1 `cpuacct.usage` (ns). */
  cpu?: { file: string; unit: 'usec' | 'nsec' };
  /** v2 `memory.current` or v1 `memory.usage_in_bytes`. */
  memory?: string;
  /**
   * The `memory.stat` beside it and its inactive page-cache key (v2 `inactive_file`, v1
   * `total_inactive_file`): the working set is usage minus that, as `docker stats` and
   * cAdvisor show it (page cache the kernel can drop at once is not the container's need).
   */
  memoryStat?: { file: string; key: 'inactive_file' | 'total_inactive_file' };
  io?: BlockIoFiles;
  /** v2 `cgroup.events` (populated 0 tells the last process left). */
  events?: string;
}

/**
 * v1 blkio files in order of preference. `_recursive` ones include the container's child
 * cgroups; the throttle files count every bio on v1 whether or not a limit is set.
 */
const BLKIO_BYTES = [
  'blkio.throttle.io_service_bytes_recursive',
  'blkio.io_service_bytes_recursive',
  'blkio.bfq.io_service_bytes_recursive',
  'blkio.throttle.io_service_bytes',
];

function exists(file: string): boolean {
  return fs.existsSync(file);
}

/**
 * Finds the files of the cgroup at `dir` (a directory under layout.root): the v2 file
 * when the cgroup2 hierarchy has the controller, else the v1 file of the same relative
 * path under the controller's mount. Every file used is hierarchical, so the container's
 * own directory already counts its child cgroups.
 */
export function resolveCgroupFiles(layout: CgroupLayout, dir: string): CgroupFiles {
  const files: CgroupFiles = {};
  if (layout.v2) {
    const cpuStat = path.join(dir, 'cpu.stat');
    if (exists(cpuStat)) files.cpu = { file: cpuStat, unit: 'usec' };
    const mem = path.join(dir, 'memory.current');
    if (exists(mem)) {
      files.memory = mem;
      const stat = path.join(dir, 'memory.stat');
      if (exists(stat)) files.memoryStat = { file: stat, key: 'inactive_file' };
    }
    const io = path.join(dir, 'io.stat');
    if (exists(io)) files.io = { kind: 'io.stat', file: io };
    const events = path.join(dir, 'cgroup.events');
    if (exists(events)) files.events = events;
  }
  if (!files.cpu) {
    const d = v1PathOf(layout, 'cpuacct', dir);
    if (d !== undefined && exists(path.join(d, 'cpuacct.usage')))
      files.cpu = { file: path.join(d, 'cpuacct.usage'), unit: 'nsec' };
  }
  if (files.memory === undefined) {
    const d = v1PathOf(layout, 'memory', dir);
    if (d !== undefined && exists(path.join(d, 'memory.usage_in_bytes'))) {
      files.memory = path.join(d, 'memory.usage_in_bytes');
      const stat = path.join(d, 'memory.stat');
      if (exists(stat)) files.memoryStat = { file: stat, key: 'total_inactive_file' };
    }
  }
  if (!files.io) {
    const d = v1PathOf(layout, 'blkio', dir);
    if (d !== undefined) {
      for (const name of BLKIO_BYTES) {
        const bytesFile = path.join(d, name);
        const opsFile = path.join(d, name.replace('io_service_bytes', 'io_serviced'));
        if (exists(bytesFile) && exists(opsFile)) {
          files.io = { kind: 'blkio', bytesFile, opsFile };
          break;
        }
      }
    }
  }
  return files;
}

function gone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENODEV' || code === 'ENOTDIR';
}

/** One buffer for every read (reads are synchronous); grows for long files (many block devices). */
let readBuffer = Buffer.allocUnsafe(16 * 1024);

/**
 * open + read + close into the shared buffer: a quarter of readFileSync's cost on
 * cgroup files (no fstat, whose size says nothing here, and no buffer per read).
 */
function readSmallFile(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    let len = 0;
    for (;;) {
      if (len === readBuffer.length) {
        const bigger = Buffer.allocUnsafe(readBuffer.length * 2);
        readBuffer.copy(bigger, 0, 0, len);
        readBuffer = bigger;
      }
      const n = fs.readSync(fd, readBuffer, len, readBuffer.length - len, len);
      if (n === 0) break;
      len += n;
    }
    return readBuffer.toString('latin1', 0, len);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a cgroup file; undefined when it (or its cgroup) is gone. Other failures go to onError. */
function readText(file: string, onError?: (err: ZtsdbError) => void): string | undefined {
  try {
    return readSmallFile(file);
  } catch (err) {
    if (!gone(err)) onError?.(new CgroupReadError(file, err));
    return undefined;
  }
}

function parse(
  file: string,
  onError: ((err: ZtsdbError) => void) | undefined,
  fn: () => void,
): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    onError?.(err instanceof ZtsdbError ? err : new CgroupReadError(file, err));
    return false;
  }
}

/** Usage minus inactive page cache, as `docker stats` computes it (usage when the stat is missing or larger). */
function workingSet(
  usage: number,
  stat: CgroupFiles['memoryStat'],
  onError: ((err: ZtsdbError) => void) | undefined,
): number {
  if (!stat) return usage;
  const text = readText(stat.file, onError);
  if (text === undefined) return usage;
  let inactive: number | undefined;
  if (!parse(stat.file, onError, () => (inactive = parseFlatKey(text, stat.file, stat.key))))
    return usage;
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

/**
 * Fills `out[0..COUNTER_COUNT)` with the cgroup's counters (COUNTER_* slots): cpu in ns,
 * memory working set in bytes (usage minus inactive file cache), block bytes and ops. A counter whose file is missing, gone or malformed
 * is NaN; read and parse errors (never "gone") are passed to onError, and nothing throws.
 * The cpu file is read last, so a clock read right after the call dates it best.
 * Returns how many files were read: 0 means the cgroup is gone.
 */
export function readCgroupCounters(
  files: CgroupFiles,
  out: Float64Array,
  onError?: (err: ZtsdbError) => void,
): number {
  out.fill(NaN, 0, COUNTER_COUNT);
  let read = 0;
  if (files.memory !== undefined) {
    const file = files.memory;
    const text = readText(file, onError);
    if (text !== undefined) {
      read++;
      let usage = NaN;
      if (parse(file, onError, () => (usage = parseSingleUint(text, file)))) {
        out[COUNTER_MEMORY_BYTES] = workingSet(usage, files.memoryStat, onError);
        out[COUNTER_MEMORY_TOTAL_BYTES] = usage;
      }
    }
  }
  const io = files.io;
  if (io?.kind === 'io.stat') {
    const text = readText(io.file, onError);
    if (text !== undefined) {
      read++;
      // parseIoStat writes rbytes, wbytes, rios, wios: the same order as the COUNTER_* slots from READ_BYTES on.
      if (!parse(io.file, onError, () => parseIoStat(text, io.file, out, COUNTER_READ_BYTES))) {
        out.fill(NaN, COUNTER_READ_BYTES, COUNTER_WRITE_OPS + 1);
      }
    }
  } else if (io?.kind === 'blkio') {
    const bytes = readText(io.bytesFile, onError);
    if (bytes !== undefined) {
      read++;
      if (
        !parse(io.bytesFile, onError, () =>
          parseBlkioReadWrite(bytes, io.bytesFile, out, COUNTER_READ_BYTES),
        )
      ) {
        out.fill(NaN, COUNTER_READ_BYTES, COUNTER_WRITE_BYTES + 1);
      }
    }
    const ops = readText(io.opsFile, onError);
    if (ops !== undefined) {
      read++;
      if (
        !parse(io.opsFile, onError, () =>
          parseBlkioReadWrite(ops, io.opsFile, out, COUNTER_READ_OPS),
        )
      ) {
        out.fill(NaN, COUNTER_READ_OPS, COUNTER_WRITE_OPS + 1);
      }
    }
  }
  const cpu = files.cpu;
  if (cpu) {
    const text = readText(cpu.file, onError);
    if (text !== undefined) {
      read++;
      parse(cpu.file, onError, () => {
        out[COUNTER_CPU_NS] =
          cpu.unit === 'usec'
            ? parseCpuStatUsageUsec(text, cpu.file) * 1000
            : parseSingleUint(text, cpu.file);
      });
    }
  }
  return read;
}
