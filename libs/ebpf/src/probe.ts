import { existsSync, readFileSync } from 'node:fs';
import { BpfObject } from './bpf-object';
import { findCgroup2Root } from './cgroup-fs';
import { libbpfVersion } from './libbpf';
import { defaultObjectPath } from './object-path';
import { ensureTracefs } from './tracefs';

export type EbpfProblem =
  | 'not-root'
  | 'missing-capabilities'
  | 'no-btf'
  | 'no-cgroup2'
  | 'no-tracefs'
  | 'no-libbpf'
  | 'no-object'
  | 'load-failed';

/** Whether the eBPF source can run here and, if not, exactly why. */
export interface EbpfProbe {
  available: boolean;
  /** First problem found (checks run in the order of EbpfProblem). */
  problem?: EbpfProblem;
  /** For people: what is missing and what to do. */
  reason?: string;
  libbpfVersion?: string;
  tracefs?: string;
  cgroup2Root?: string;
}

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;
export const BTF_VMLINUX = '/sys/kernel/btf/vmlinux';

/** Effective capabilities of this process (CapEff of /proc/self/status). */
function effectiveCaps(): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

function missingCaps(): string[] {
  const caps = effectiveCaps();
  const has = (bit: number): boolean => (caps & (1n << BigInt(bit))) !== 0n;
  const missing: string[] = [];
  if (!has(CAP_SYS_ADMIN)) {
    if (!has(CAP_BPF)) missing.push('CAP_BPF');
    if (!has(CAP_PERFMON)) missing.push('CAP_PERFMON');
  }
  if (!has(CAP_NET_ADMIN)) missing.push('CAP_NET_ADMIN');
  return missing;
}

function fail(problem: EbpfProblem, reason: string, extra: Partial<EbpfProbe> = {}): EbpfProbe {
  return { available: false, problem, reason, ...extra };
}

/**
 * Checks, in order: privileges, kernel BTF, a cgroup v2 mount, libbpf,
 * tracefs (mounting it when absent and permitted), the object file, and
 * that the kernel verifies and loads every program (loaded, then closed;
 * nothing is attached). Never throws.
 */
export function probeEbpf(objectPath: string = defaultObjectPath()): EbpfProbe {
  const missing = missingCaps();
  if (missing.length > 0) {
    const uid = process.getuid?.() ?? -1;
    return uid !== 0
      ? fail('not-root', `not root (uid ${uid}) and missing ${missing.join(', ')}`)
      : fail(
          'missing-capabilities',
          `running as root but without ${missing.join(', ')} (unprivileged container?)`,
        );
  }
  if (!existsSync(BTF_VMLINUX)) {
    return fail(
      'no-btf',
      `${BTF_VMLINUX} is missing: the kernel was built without CONFIG_DEBUG_INFO_BTF, CO-RE cannot relocate`,
    );
  }
  const cgroup2Root = findCgroup2Root();
  if (!cgroup2Root)
    return fail('no-cgroup2', 'no cgroup2 filesystem is mounted (see /proc/self/mountinfo)');
  let version: string;
  try {
    version = libbpfVersion();
  } catch (err) {
    return fail(
      'no-libbpf',
      `cannot load libbpf.so.1: ${(err as Error).message} (apt-get install libbpf1)`,
      { cgroup2Root },
    );
  }
  let tracefs: string;
  try {
    tracefs = ensureTracefs();
  } catch (err) {
    return fail(
      'no-tracefs',
      `no tracefs at /sys/kernel/tracing and mounting it failed: ${(err as Error).message}`,
      {
        cgroup2Root,
        libbpfVersion: version,
      },
    );
  }
  const found = { cgroup2Root, libbpfVersion: version, tracefs };
  if (!existsSync(objectPath)) {
    return fail('no-object', `${objectPath} is missing (npm run build:bpf)`, found);
  }
  let object: BpfObject | undefined;
  try {
    object = BpfObject.openFile(objectPath);
    object.load();
  } catch (err) {
    return fail('load-failed', `loading ${objectPath} failed: ${(err as Error).message}`, found);
  } finally {
    object?.close();
  }
  return { available: true, ...found };
}
