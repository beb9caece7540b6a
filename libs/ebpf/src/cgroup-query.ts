import { closeSync, constants, openSync } from 'node:fs';
import { check, libbpf } from './libbpf';
import { LibbpfError } from './errors';

/** enum bpf_attach_type values of the cgroup skb hooks. */
const ATTACH_TYPES = { ingress: 0, egress: 1 } as const;

const MAX_IDS = 64;

/**
 * Ids of the programs attached directly to cgroup `path` at the skb hook
 * `hook` (BPF_PROG_QUERY without BPF_F_QUERY_EFFECTIVE: inherited programs
 * are not listed).
 */
export function cgroupSkbPrograms(path: string, hook: keyof typeof ATTACH_TYPES): number[] {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    throw new LibbpfError(
      'open',
      -((err as NodeJS.ErrnoException).errno ?? -2),
      path,
      { file: path },
      { cause: err },
    );
  }
  try {
    const flags = Buffer.alloc(4);
    const ids = Buffer.alloc(4 * MAX_IDS);
    const cnt = Buffer.alloc(4);
    cnt.writeUInt32LE(MAX_IDS, 0);
    check(
      'bpf_prog_query',
      libbpf().bpf_prog_query([fd, ATTACH_TYPES[hook], 0, flags, ids, cnt]),
      path,
    );
    const n = cnt.readUInt32LE(0);
    return Array.from({ length: Math.min(n, MAX_IDS) }, (_, i) => ids.readUInt32LE(i * 4));
  } finally {
    closeSync(fd);
  }
}
