import { closeSync } from 'node:fs';
import type { BpfProgram } from './bpf-program';
import { check, libbpf } from './libbpf';

/** Run-time statistics of one loaded program (kernel.bpf_stats_enabled must be on to accumulate). */
export interface ProgramStats {
  name: string;
  section: string;
  /** Kernel program id. */
  id: number;
  runCount: number;
  runTimeNs: number;
  /** runTimeNs / runCount; NaN when it never ran. */
  meanNs: number;
  /** Runs skipped because the program was already running on that CPU. */
  recursionMisses: number;
}

/** sizeof(struct bpf_prog_info) as of Linux 6.1 UAPI; the kernel fills what it knows. */
const PROG_INFO_SIZE = 232;
const OFF_ID = 4;
const OFF_RUN_TIME_NS = 192;
const OFF_RUN_CNT = 200;
const OFF_RECURSION_MISSES = 208;

function u64(buf: Buffer, off: number): number {
  return Number(buf.readBigUInt64LE(off));
}

/** bpf_obj_get_info_by_fd on each program's fd. */
export function programStats(programs: readonly BpfProgram[]): ProgramStats[] {
  const lib = libbpf();
  return programs.map((prog) => {
    const info = Buffer.alloc(PROG_INFO_SIZE);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(PROG_INFO_SIZE, 0);
    check('bpf_obj_get_info_by_fd', lib.bpf_obj_get_info_by_fd([prog.fd, info, len]), prog.name);
    const runCount = u64(info, OFF_RUN_CNT);
    const runTimeNs = u64(info, OFF_RUN_TIME_NS);
    return {
      name: prog.name,
      section: prog.section,
      id: info.readUInt32LE(OFF_ID),
      runCount,
      runTimeNs,
      meanNs: runCount > 0 ? runTimeNs / runCount : NaN,
      recursionMisses: u64(info, OFF_RECURSION_MISSES),
    };
  });
}

/**
 * Turns on run-time accounting of every BPF program (BPF_ENABLE_STATS, the
 * fd form of `sysctl kernel.bpf_stats_enabled=1`) until the returned
 * function is called. While on, every program run also pays two clock reads.
 */
export function enableRunTimeStats(): () => void {
  const fd = check('bpf_enable_stats', libbpf().bpf_enable_stats([0 /* BPF_STATS_RUN_TIME */]));
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
}
