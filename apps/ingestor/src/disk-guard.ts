import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  statfsSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { RepeatedWarnings } from '@ztsdb/bus';

export interface DiskGuardOptions {
  /** The ingestor's data dir (the WALs live under it). */
  dir: string;
  /** Below this many free bytes no sample is acknowledged (ZTSDB_DISK_MIN_FREE_BYTES). */
  minFreeBytes: number;
  /**
   * Free bytes a probe must find to resume (at least minFreeBytes): room for a
   * WAL trim cycle, so that writing does not stop again at once.
   */
  resumeFreeBytes: number;
  /** How often a full disk is probed for space (ZTSDB_DISK_PROBE_INTERVAL). */
  probeIntervalMs: number;
  /** At most one "disk full" line per this many ms (ZTSDB_WARN_INTERVAL). */
  warnIntervalMs: number;
  log: { warn(line: string): void; log(line: string): void };
}

/** statfs is a syscall: asked at most this often on the ingest path. */
const STATFS_EVERY_MS = 100;
/** Size of the file a probe writes and syncs before calling the disk usable again. */
const PROBE_BYTES = 64 * 1024;

/** Bytes available to this process under `dir` (its nearest existing ancestor when absent). */
export function freeBytesUnder(dir: string): number {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const s = statfsSync(d);
      return s.bavail * s.bsize;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw e;
    }
  }
}

/**
 * Why a write failed, in words. LMDB reports a failed commit as "Commit failed"
 * with the system error in `commitError` (a promise, read when it settled);
 * a short write on a nearly full disk comes back as EIO.
 */
export function describeWriteError(e: unknown): string {
  const err = e as Error & { code?: unknown; cause?: unknown };
  const code =
    typeof err?.code === 'string' || typeof err?.code === 'number' ? ` (${err.code})` : '';
  return `${err?.message ?? String(e)}${code}`;
}

/**
 * The ingestor's view of the disk under its data dir, shared by its partitions.
 * A write may go ahead while `hasRoom()`; a failed write or too little free
 * space makes the guard "full": partitions stop acknowledging and wait in
 * `waitForRoom()`, which resolves once a periodic probe finds enough free space
 * and can write and sync a file. While full, one line per warning interval says
 * so, with the path and the free bytes.
 */
export class DiskGuard {
  private fullSince = 0;
  private why = '';
  private lastCheck = 0;
  private lastFree = Number.POSITIVE_INFINITY;
  private waiters: Array<() => void> = [];
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly warnings: RepeatedWarnings;

  constructor(private readonly opts: DiskGuardOptions) {
    this.warnings = new RepeatedWarnings((l) => opts.log.warn(l), opts.warnIntervalMs);
  }

  private get resumeAt(): number {
    return Math.max(this.opts.minFreeBytes, this.opts.resumeFreeBytes);
  }

  get full(): boolean {
    return this.fullSince !== 0;
  }

  /** What stopped the ingest, for /readyz ('' while not full). */
  get reason(): string {
    return this.full ? `disk full under ${this.opts.dir}: ${this.why}` : '';
  }

  /** Cheap check before writing (statfs at most every 100 ms); false = full, do not write. */
  hasRoom(fresh = false): boolean {
    if (this.full) return false;
    const now = Date.now();
    if (fresh || now - this.lastCheck >= STATFS_EVERY_MS) {
      this.lastCheck = now;
      try {
        this.lastFree = freeBytesUnder(this.opts.dir);
      } catch (e) {
        this.enter(`cannot read the free space: ${(e as Error).message}`);
        return false;
      }
    }
    if (this.lastFree >= this.opts.minFreeBytes) return true;
    this.enter(`fewer than ZTSDB_DISK_MIN_FREE_BYTES=${this.opts.minFreeBytes} bytes free`);
    return false;
  }

  /**
   * A fresh statfs (at least the free space needed to resume) and a small file
   * written and synced under the data dir: true when both went well (before
   * opening LMDB, which must not meet a full disk).
   */
  probeNow(): boolean {
    if (!this.hasRoom(true)) return false;
    if (this.lastFree < this.resumeAt) {
      this.enter(`fewer than ${this.resumeAt} bytes free to open a WAL`);
      return false;
    }
    try {
      writeProbeFile(this.opts.dir);
      return true;
    } catch (e) {
      this.enter(`a probe write failed: ${describeWriteError(e)}`);
      return false;
    }
  }

  /** A write under the data dir failed (`path`: what was written). */
  writeFailed(path: string, e: unknown): void {
    this.enter(`writing ${path} failed: ${describeWriteError(e)}`);
  }

  /** Resolves at once while there is room, else once the disk is usable again. */
  waitForRoom(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  private enter(why: string): void {
    this.why = why;
    if (!this.full) {
      this.fullSince = Date.now();
      this.schedule();
    }
    this.warn();
  }

  private warn(): void {
    let free = 'unknown';
    try {
      free = String(freeBytesUnder(this.opts.dir));
    } catch {
      // reported in `why`
    }
    this.warnings.report(
      'full',
      `disk full under ${this.opts.dir}: ${this.why}; ${free} bytes free. Not acknowledging samples until ${this.resumeAt} bytes are free (hot queries are still served; checking every ${this.opts.probeIntervalMs} ms)`,
    );
  }

  private schedule(): void {
    this.probeTimer = setTimeout(() => this.probe(), this.opts.probeIntervalMs);
    this.probeTimer.unref();
  }

  private probe(): void {
    this.probeTimer = undefined;
    if (!this.full) return;
    let free: number;
    try {
      free = freeBytesUnder(this.opts.dir);
      if (free >= this.resumeAt) writeProbeFile(this.opts.dir);
    } catch (e) {
      this.why = `a probe write failed: ${describeWriteError(e)}`;
      free = 0;
    }
    if (free < this.resumeAt) {
      this.warn();
      this.schedule();
      return;
    }
    const secs = Math.round((Date.now() - this.fullSince) / 1000);
    this.fullSince = 0;
    this.why = '';
    this.lastFree = free;
    this.lastCheck = Date.now();
    this.opts.log.log(
      `disk space is back under ${this.opts.dir} (${free} bytes free after ${secs} s); acknowledging samples again`,
    );
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  stop(): void {
    clearTimeout(this.probeTimer);
    this.warnings.stop();
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

/** Writes, syncs and removes a small file: the disk takes writes again. */
function writeProbeFile(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, '.space-probe');
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, Buffer.alloc(PROBE_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}
