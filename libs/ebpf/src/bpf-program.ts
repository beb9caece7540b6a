import { closeSync, constants, openSync } from 'node:fs';
import { BpfLink } from './bpf-link';
import { check, checkPtr, libbpf, type Ptr } from './libbpf';
import { LibbpfError } from './errors';

/** A program of a BpfObject; valid until the object is closed. */
export class BpfProgram {
  constructor(
    private readonly ptr: Ptr,
    readonly name: string,
    /** ELF section, e.g. `tp/sched/sched_switch`, `cgroup_skb/egress`. */
    readonly section: string,
  ) {}

  /** Program fd after load (-errno style check: throws before load). */
  get fd(): number {
    return check('bpf_program__fd', libbpf().bpf_program__fd([this.ptr]), this.name);
  }

  /** Attaches as the section name says (tp/…, raw_tp/…, kprobe/…); needs tracefs for tracepoints. */
  attach(): BpfLink {
    const res = libbpf().bpf_program__attach([this.ptr]);
    return new BpfLink(
      checkPtr('bpf_program__attach', res, `${this.name} (${this.section})`),
      `${this.section}`,
    );
  }

  /** Attaches to tracepoint `category/name` (e.g. `sched`, `sched_switch`). */
  attachTracepoint(category: string, name: string): BpfLink {
    const res = libbpf().bpf_program__attach_tracepoint([this.ptr, category, name]);
    const target = `tracepoint ${category}/${name}`;
    return new BpfLink(
      checkPtr('bpf_program__attach_tracepoint', res, `${this.name} → ${target}`),
      target,
    );
  }

  /**
   * Attaches to the cgroup v2 directory `cgroupPath` through a BPF link (always
   * multi-attach: other programs on the cgroup keep running, and the program
   * also runs for sockets of descendant cgroups).
   */
  attachCgroup(cgroupPath: string): BpfLink {
    let fd: number;
    try {
      fd = openSync(cgroupPath, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (err) {
      const errno =
        typeof (err as NodeJS.ErrnoException).errno === 'number'
          ? -(err as NodeJS.ErrnoException).errno!
          : 2;
      throw new LibbpfError('open', errno, cgroupPath, { file: cgroupPath }, { cause: err });
    }
    try {
      const res = libbpf().bpf_program__attach_cgroup([this.ptr, fd]);
      const target = `cgroup ${cgroupPath}`;
      return new BpfLink(
        checkPtr('bpf_program__attach_cgroup', res, `${this.name} → ${cgroupPath}`),
        target,
      );
    } finally {
      closeSync(fd);
    }
  }
}
