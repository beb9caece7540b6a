/**
 * The value of cgroup_metrics_map (struct CgroupMetrics in
 * bpf/cgroupmon.bpf.c): eleven little-endian u64, in this order. Layout and
 * meaning: docs/format/cgroup-metrics.md.
 */
export const CGROUP_METRICS_FIELDS = [
  'cpuTimeNs',
  'mappedBytes',
  'mmapCalls',
  'rxBytes',
  'txBytes',
  'rxPackets',
  'txPackets',
  'schedSwitches',
  'involuntarySwitches',
  'reserved',
  'timestamp',
] as const;

export type CgroupMetricsField = (typeof CGROUP_METRICS_FIELDS)[number];

/**
 * One cgroup's counters summed over all CPUs; `timestamp` is instead the
 * latest per-CPU update (bpf_ktime_get_ns, CLOCK_MONOTONIC ns; 0 = never
 * updated). Numbers, not bigints: exact to 2^53 (104 days of CPU time, 9 PB),
 * and a rate computed from two readings stays exact far beyond.
 */
export type CgroupCounters = Record<CgroupMetricsField, number>;

/** Bytes of one struct CgroupMetrics. */
export const CGROUP_METRICS_SIZE = CGROUP_METRICS_FIELDS.length * 8;

/** Field index of `timestamp` (the one field that is not summed). */
export const TIMESTAMP_INDEX = CGROUP_METRICS_FIELDS.indexOf('timestamp');

const TWO_32 = 2 ** 32;

/** Reads the u64 at `offset` as a number (exact below 2^53). */
function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * TWO_32;
}

/**
 * Sums one per-CPU value: `cpus` copies of struct CgroupMetrics, `stride`
 * bytes apart, starting at `offset` of `values`.
 */
export function sumPerCpu(
  values: Buffer,
  offset: number,
  cpus: number,
  stride: number,
): CgroupCounters {
  const acc = new Float64Array(CGROUP_METRICS_FIELDS.length);
  for (let cpu = 0; cpu < cpus; cpu++) {
    const base = offset + cpu * stride;
    for (let f = 0; f < acc.length; f++) {
      const v = readU64(values, base + f * 8);
      if (f === TIMESTAMP_INDEX) {
        if (v > acc[f]!) acc[f] = v;
      } else {
        acc[f]! += v;
      }
    }
  }
  return toCounters(acc);
}

/** Field values in layout order → CgroupCounters. */
export function toCounters(values: ArrayLike<number>): CgroupCounters {
  const out = {} as CgroupCounters;
  CGROUP_METRICS_FIELDS.forEach((name, i) => {
    out[name] = values[i] ?? 0;
  });
  return out;
}

/** A zeroed per-CPU value for `cpus` CPUs (what user space inserts to register a cgroup). */
export function zeroPerCpu(cpus: number, stride = CGROUP_METRICS_SIZE): Buffer {
  return Buffer.alloc(cpus * stride);
}
