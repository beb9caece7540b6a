import {
  CGROUP_METRICS_FIELDS,
  CGROUP_METRICS_SIZE,
  sumPerCpu,
  TIMESTAMP_INDEX,
  toCounters,
  zeroPerCpu,
} from './cgroup-metrics';

describe('cgroup metrics layout', () => {
  it('has eleven u64 fields ending in timestamp', () => {
    expect(CGROUP_METRICS_FIELDS).toHaveLength(11);
    expect(CGROUP_METRICS_SIZE).toBe(88);
    expect(CGROUP_METRICS_FIELDS[TIMESTAMP_INDEX]).toBe('timestamp');
    expect(TIMESTAMP_INDEX).toBe(10);
  });

  it('sums every field across CPUs but takes the latest timestamp', () => {
    const cpus = 3;
    const stride = 88;
    const lead = 16; // the value need not start at 0 of the buffer
    const buf = Buffer.alloc(lead + cpus * stride);
    const want = new Array<number>(11).fill(0);
    for (let cpu = 0; cpu < cpus; cpu++) {
      for (let f = 0; f < 11; f++) {
        const v = 2 ** 40 + cpu * 7 + f; // needs both 32-bit halves
        buf.writeBigUInt64LE(BigInt(v), lead + cpu * stride + f * 8);
        want[f] = f === TIMESTAMP_INDEX ? Math.max(want[f]!, v) : want[f]! + v;
      }
    }
    expect(sumPerCpu(buf, lead, cpus, stride)).toEqual(toCounters(want));
  });

  it('reads a zeroed value as all zeros', () => {
    const z = zeroPerCpu(4);
    expect(z).toHaveLength(4 * 88);
    expect(Object.values(sumPerCpu(z, 0, 4, 88)).every((v) => v === 0)).toBe(true);
  });
});
