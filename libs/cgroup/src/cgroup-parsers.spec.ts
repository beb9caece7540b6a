import { CgroupParseError } from './errors';
import {
  parseBlkioReadWrite,
  parseCgroupPopulated,
  parseCpuStatUsageUsec,
  parseIoStat,
  parseSingleUint,
} from './cgroup-parsers';

function parseError(fn: () => unknown): CgroupParseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CgroupParseError);
    return err as CgroupParseError;
  }
  throw new Error('expected a CgroupParseError');
}

describe('cgroup parsers', () => {
  it('reads single-value files (memory.current, memory.usage_in_bytes, cpuacct.usage)', () => {
    expect(parseSingleUint('4096\n', 'memory.current')).toBe(4096);
    expect(parseSingleUint('123456789012\n', 'cpuacct.usage')).toBe(123456789012);
    expect(parseSingleUint('0', 'memory.usage_in_bytes')).toBe(0);
  });

  it.each([
    ['', 'empty'],
    ['max\n', 'word'],
    ['-5\n', 'negative'],
    ['12 34\n', 'two values'],
    ['1.5\n', 'fraction'],
  ])('refuses %j (%s) naming the file', (content) => {
    const err = parseError(() => parseSingleUint(content, '/sys/fs/cgroup/x/memory.current'));
    expect(err.code).toBe('ZTSDB_CGROUP_PARSE');
    expect(err.context.file).toBe('/sys/fs/cgroup/x/memory.current');
    expect(err.message).toContain('/sys/fs/cgroup/x/memory.current');
  });

  it('takes usage_usec from a v2 cpu.stat, with or without the cpu controller lines', () => {
    const full =
      'usage_usec 116356398\nuser_usec 79448257\nsystem_usec 36908140\nnice_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n';
    expect(parseCpuStatUsageUsec(full, 'cpu.stat')).toBe(116356398);
    expect(parseCpuStatUsageUsec('user_usec 1\nusage_usec 7', 'cpu.stat')).toBe(7);
  });

  it('refuses a cpu.stat without usage_usec or with a bad value', () => {
    expect(
      parseError(() => parseCpuStatUsageUsec('user_usec 5\n', 'a/cpu.stat')).context.file,
    ).toBe('a/cpu.stat');
    expect(
      parseError(() => parseCpuStatUsageUsec('usage_usec lots\n', 'a/cpu.stat')).message,
    ).toMatch(/usage_usec/);
    parseError(() => parseCpuStatUsageUsec('garbage\n', 'a/cpu.stat'));
    parseError(() => parseCpuStatUsageUsec('', 'a/cpu.stat'));
  });

  it('sums io.stat over devices and ignores other keys', () => {
    const out = new Float64Array(6).fill(-1);
    parseIoStat(
      '8:0 rbytes=1000 wbytes=2000 rios=10 wios=20 dbytes=0 dios=0\n253:1 rbytes=5 wbytes=7 rios=1 wios=2 dbytes=9 dios=1 cost.vrate=100.00\n',
      'io.stat',
      out,
      2,
    );
    expect(Array.from(out)).toEqual([-1, -1, 1005, 2007, 11, 22]);
    const empty = new Float64Array(4).fill(9);
    parseIoStat('', 'io.stat', empty);
    expect(Array.from(empty)).toEqual([0, 0, 0, 0]);
  });

  it('refuses malformed io.stat', () => {
    const out = new Float64Array(4);
    parseError(() => parseIoStat('rbytes=1 wbytes=2\n', 'x/io.stat', out));
    parseError(() => parseIoStat('8:0 rbytes\n', 'x/io.stat', out));
    expect(
      parseError(() => parseIoStat('8:0 rbytes=abc wbytes=1\n', 'x/io.stat', out)).context.file,
    ).toBe('x/io.stat');
  });

  it('sums Read and Write of v1 blkio files over devices', () => {
    const bytes = [
      '8:0 Read 4096',
      '8:0 Write 8192',
      '8:0 Sync 8192',
      '8:0 Async 4096',
      '8:0 Discard 0',
      '8:0 Total 12288',
      '8:16 Read 100',
      '8:16 Write 1',
      '8:16 Total 101',
      'Total 12389',
      '',
    ].join('\n');
    const out = new Float64Array(6);
    parseBlkioReadWrite(bytes, 'blkio.throttle.io_service_bytes', out, 2);
    expect(out[2]).toBe(4196);
    expect(out[3]).toBe(8193);
    parseBlkioReadWrite('Total 0\n', 'blkio.throttle.io_serviced', out, 4);
    expect([out[4], out[5]]).toEqual([0, 0]);
  });

  it('refuses malformed blkio files', () => {
    const out = new Float64Array(2);
    parseError(() => parseBlkioReadWrite('8:0 Read\n', 'b', out));
    parseError(() => parseBlkioReadWrite('8:0 Read x\n', 'b', out));
    parseError(() => parseBlkioReadWrite('sda Read 1\n', 'b', out));
    expect(parseError(() => parseBlkioReadWrite('Total many\n', 'b/blkio', out)).context.file).toBe(
      'b/blkio',
    );
  });

  it('reads populated from cgroup.events', () => {
    expect(parseCgroupPopulated('populated 1\nfrozen 0\n', 'e')).toBe(true);
    expect(parseCgroupPopulated('populated 0\nfrozen 0\n', 'e')).toBe(false);
    parseError(() => parseCgroupPopulated('frozen 0\n', 'e'));
    parseError(() => parseCgroupPopulated('populated yes\n', 'e'));
  });
});
