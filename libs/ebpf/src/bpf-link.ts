import { check, libbpf, type Ptr } from './libbpf';

/** An attachment of a program (tracepoint, cgroup). destroy() detaches it; a second call is a no-op. */
export class BpfLink {
  private ptr: Ptr | undefined;

  constructor(
    ptr: Ptr,
    /** Human-readable target, e.g. `tracepoint sched/sched_switch` or `cgroup /sys/fs/cgroup/x`. */
    readonly target: string,
  ) {
    this.ptr = ptr;
  }

  get destroyed(): boolean {
    return this.ptr === undefined;
  }

  /** The link's fd (BPF link objects hold the attachment while open). */
  get fd(): number {
    if (!this.ptr) return -1;
    return libbpf().bpf_link__fd([this.ptr]);
  }

  destroy(): void {
    const ptr = this.ptr;
    if (!ptr) return;
    this.ptr = undefined;
    check('bpf_link__destroy', libbpf().bpf_link__destroy([ptr]), this.target);
  }
}
