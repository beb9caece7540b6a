import { readFileSync, realpathSync, statfsSync, statSync } from 'node:fs';
import { InvalidInputError } from '@ztsdb/errors';
import { EBPF_ERROR_CODES } from './errors';

/** statfs f_type of cgroup2. */
export const CGROUP2_SUPER_MAGIC = 0x63677270;

/**
 * Mount point of the cgroup v2 hierarchy from /proc/self/mountinfo:
 * `/sys/fs/cgroup` on a unified host, `/sys/fs/cgroup/unified` on a hybrid
 * one; undefined when there is none.
 */
export function findCgroup2Root(mountinfo = '/proc/self/mountinfo'): string | undefined {
  for (const line of readFileSync(mountinfo, 'utf8').split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep > 0 && fields[sep + 1] === 'cgroup2' && fields[4]) return unescapeMount(fields[4]);
  }
  return undefined;
}

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** True when `path` is a directory on a cgroup2 filesystem. */
export function isCgroup2Dir(path: string): boolean {
  try {
    return statSync(path).isDirectory() && statfsSync(path).type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/**
 * The cgroup v2 id of a cgroup directory: its inode number, which is what
 * bpf_get_current_cgroup_id() and bpf_skb_cgroup_id() return.
 */
export function cgroupId(path: string): bigint {
  if (!isCgroup2Dir(path)) {
    throw new InvalidInputError(
      EBPF_ERROR_CODES.notCgroup2,
      `${path} is not a cgroup v2 directory`,
      {
        file: path,
      },
    );
  }
  return statSync(path, { bigint: true }).ino;
}

/** Canonical path of a cgroup directory (symlinks resolved), for ancestry checks. */
export function canonicalCgroupPath(path: string): string {
  return realpathSync(path);
}
