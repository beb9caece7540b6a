import {
  parseBlkioReadWrite,
  parseCgroupPopulated,
  parseCpuStatUsageUsec,
  parseIoStat,
  parseMountinfo,
  parseSingleUint,
} from '@ztsdb/cgroup';
import { parseSeriesKey, parseSeriesName, seriesKey } from '@ztsdb/model';
import { check, decodeOrTyped, type FuzzTarget } from '../fuzz-target';

/**
 * The small text decoders: cgroup files (kernel text, parsed every tick) and
 * series names and registry keys (from the bus's KV bucket, which anyone with
 * access can write).
 */
export const textParsersTarget: FuzzTarget = {
  name: 'text-parsers',
  description: 'libs/cgroup file parsers, libs/model parseSeriesName / parseSeriesKey',
  run(data) {
    const text = Buffer.from(data).toString('utf8');
    const f = 'fuzz';
    const n = decodeOrTyped('parseSingleUint', () => parseSingleUint(text, f));
    if (n !== undefined) check(Number.isFinite(n) && n >= 0, `parseSingleUint gave ${n}`);
    decodeOrTyped('parseCpuStatUsageUsec', () => parseCpuStatUsageUsec(text, f));
    const out = new Float64Array(6);
    decodeOrTyped('parseIoStat', () => parseIoStat(text, f, out, 1));
    decodeOrTyped('parseBlkioReadWrite', () => parseBlkioReadWrite(text, f, out, 2));
    check(
      out.every((v) => v >= 0),
      'a negative I/O total',
    );
    decodeOrTyped('parseCgroupPopulated', () => parseCgroupPopulated(text, f));
    for (const m of decodeOrTyped('parseMountinfo', () => parseMountinfo(text)) ?? [])
      check(typeof m.mountPoint === 'string' && Array.isArray(m.superOptions), 'a bad mount entry');
    for (const line of text.split('\n')) {
      const p = decodeOrTyped('parseSeriesName', () => parseSeriesName(line));
      if (p) check(/^[0-9a-f]{12}$/.test(p.containerId), `container id ${p.containerId}`);
      const id = decodeOrTyped('parseSeriesKey', () => parseSeriesKey(line));
      if (id !== undefined) check(id >= 0n && id < 2n ** 64n, `series id ${id} out of range`);
      if (id !== undefined)
        check(parseSeriesKey(seriesKey(id)) === id, 'series key does not round-trip');
    }
  },
  seeds() {
    return [
      '123456\n',
      'usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n',
      '8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n259:0 rbytes=1 wbytes=2 rios=3 wios=4\n',
      '8:0 Read 4096\n8:0 Write 0\n8:0 Sync 0\n8:0 Total 4096\nTotal 4096\n',
      'populated 1\nfrozen 0\n',
      '29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n35 29 0:30 / /a\\040b rw - cgroup cgroup rw,memory\n',
      'container.cpu.usage.abc123def456\n00000000000000ff\nffffffffffffffff\n',
    ].map((s) => new TextEncoder().encode(s));
  },
};
