/**
 * What the kernel says, asked without our own code: bpftool for links and map
 * contents, /proc/<pid>/fdinfo for the maps a process holds.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const BPF_MAP_TYPE_PERCPU_HASH = 5;
/** sizeof(struct CgroupMetrics): eleven u64. */
const CGROUP_METRICS_BYTES = 88;

function bpftool(args: string[]): unknown {
  return JSON.parse(execFileSync('bpftool', [...args, '-j'], { encoding: 'utf8' }));
}

/** cgroup_skb links attached to cgroup `id` (attach types), host-wide. */
export function cgroupLinks(id: bigint): string[] {
  const links = bpftool(['link', 'show']) as Array<{
    type: string;
    cgroup_id?: number;
    attach_type?: string;
  }>;
  return links
    .filter((l) => l.type === 'cgroup' && BigInt(l.cgroup_id ?? -1) === id)
    .map((l) => l.attach_type ?? '?');
}

/** Ids of the cgroupmon maps (per-CPU hash, u64 key, CgroupMetrics value) process `pid` has open. */
export function cgroupmonMapsOf(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile (readdir's own fd)
    }
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(info)?.[1]);
    if (
      field('map_type') === BPF_MAP_TYPE_PERCPU_HASH &&
      field('key_size') === 8 &&
      field('value_size') === CGROUP_METRICS_BYTES
    )
      ids.push(field('map_id'));
  }
  return [...new Set(ids)];
}

/** Keys (cgroup ids) of a map, by bpftool. */
export function mapKeys(mapId: number): bigint[] {
  const entries = bpftool(['map', 'dump', 'id', String(mapId)]) as Array<{ key: string[] }>;
  return entries.map((e) => Buffer.from(e.key.map((b) => parseInt(b, 16))).readBigUInt64LE(0));
}
