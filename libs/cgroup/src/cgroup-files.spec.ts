import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ZtsdbError } from '@ztsdb/errors';
import type { CgroupLayout } from './cgroup-layout';
import {
  COUNTER_COUNT,
  COUNTER_CPU_NS,
  COUNTER_MEMORY_BYTES,
  COUNTER_MEMORY_TOTAL_BYTES,
  COUNTER_READ_BYTES,
  COUNTER_READ_OPS,
  COUNTER_WRITE_BYTES,
  COUNTER_WRITE_OPS,
  readCgroupCounters,
  resolveCgroupFiles,
} from './cgroup-files';

describe('cgroup files', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-files-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const write = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };

  it('reads a v2 cgroup: cpu.stat, memory.current, io.stat', () => {
    const dir = path.join(tmp, 'v2/docker/abc');
    write(path.join(dir, 'cpu.stat'), 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n');
    write(path.join(dir, 'memory.current'), '8192\n');
    write(
      path.join(dir, 'io.stat'),
      '8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n8:16 rbytes=1 wbytes=1 rios=1 wios=1 dbytes=0 dios=0\n',
    );
    write(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    const layout: CgroupLayout = {
      mode: 'unified',
      root: path.join(tmp, 'v2'),
      hierarchyMount: path.join(tmp, 'v2'),
      v2: true,
      v1: {},
    };
    const files = resolveCgroupFiles(layout, dir);
    expect(files).toEqual({
      cpu: { file: path.join(dir, 'cpu.stat'), unit: 'usec' },
      memory: path.join(dir, 'memory.current'),
      io: { kind: 'io.stat', file: path.join(dir, 'io.stat') },
      events: path.join(dir, 'cgroup.events'),
    });
    const out = new Float64Array(COUNTER_COUNT);
    expect(readCgroupCounters(files, out)).toBe(3);
    expect(out[COUNTER_CPU_NS]).toBe(1_500_000);
    expect(out[COUNTER_MEMORY_BYTES]).toBe(8192);
    expect([
      out[COUNTER_READ_BYTES],
      out[COUNTER_WRITE_BYTES],
      out[COUNTER_READ_OPS],
      out[COUNTER_WRITE_OPS],
    ]).toEqual([11, 21, 2, 3]);
  });

  it('memory is the working set: usage minus inactive file cache (v2 inactive_file, v1 total_inactive_file)', () => {
    const v2 = path.join(tmp, 'unified');
    const dir = path.join(v2, 'docker/ws');
    write(path.join(dir, 'memory.current'), '634880\n');
    write(
      path.join(dir, 'memory.stat'),
      'anon 393216\nfile 241664\nactive_file 0\ninactive_file 241664\n',
    );
    const layout: CgroupLayout = {
      mode: 'hybrid',
      root: v2,
      hierarchyMount: v2,
      v2: true,
      v1: { memory: path.join(tmp, 'memory') },
    };
    const out = new Float64Array(COUNTER_COUNT);
    const files = resolveCgroupFiles(layout, dir);
    expect(files.memoryStat).toEqual({ file: path.join(dir, 'memory.stat'), key: 'inactive_file' });
    readCgroupCounters(files, out);
    expect(out[COUNTER_MEMORY_BYTES]).toBe(393216);
    // Usage with the page cache is kept beside it.
    expect(out[COUNTER_MEMORY_TOTAL_BYTES]).toBe(634880);
    // v1: the hierarchical total_inactive_file, not the cgroup's own inactive_file.
    const v1dir = path.join(v2, 'docker/v1');
    fs.mkdirSync(v1dir, { recursive: true });
    write(path.join(tmp, 'memory/docker/v1/memory.usage_in_bytes'), '10000\n');
    write(
      path.join(tmp, 'memory/docker/v1/memory.stat'),
      'cache 4000\ninactive_file 1000\ntotal_inactive_file 3000\n',
    );
    const v1files = resolveCgroupFiles(layout, v1dir);
    readCgroupCounters(v1files, out);
    expect(out[COUNTER_MEMORY_BYTES]).toBe(7000);
    expect(out[COUNTER_MEMORY_TOTAL_BYTES]).toBe(10000);
    // An inactive figure above usage (racing reads) or a missing key leaves usage as it is.
    write(path.join(tmp, 'memory/docker/v1/memory.stat'), 'total_inactive_file 20000\n');
    readCgroupCounters(v1files, out);
    expect(out[COUNTER_MEMORY_BYTES]).toBe(10000);
    write(path.join(tmp, 'memory/docker/v1/memory.stat'), 'cache 1\n');
    readCgroupCounters(v1files, out);
    expect(out[COUNTER_MEMORY_BYTES]).toBe(10000);
    // A malformed stat is reported and usage kept.
    write(path.join(tmp, 'memory/docker/v1/memory.stat'), 'total_inactive_file lots\n');
    const errors: ZtsdbError[] = [];
    readCgroupCounters(v1files, out, (e) => errors.push(e));
    expect(out[COUNTER_MEMORY_BYTES]).toBe(10000);
    expect(errors.map((e) => e.code)).toEqual(['ZTSDB_CGROUP_PARSE']);
  });

  it('falls back to the v1 controllers of the same relative path on a hybrid host', () => {
    const v2 = path.join(tmp, 'unified');
    const dir = path.join(v2, 'docker/abc');
    write(path.join(dir, 'cpu.stat'), 'usage_usec 7\n'); // v2 has no memory/io controller here
    write(path.join(tmp, 'memory/docker/abc/memory.usage_in_bytes'), '4096\n');
    write(path.join(tmp, 'cpuacct/docker/abc/cpuacct.usage'), '999\n');
    write(
      path.join(tmp, 'blkio/docker/abc/blkio.throttle.io_service_bytes_recursive'),
      '8:0 Read 100\n8:0 Write 50\n8:0 Total 150\nTotal 150\n',
    );
    write(
      path.join(tmp, 'blkio/docker/abc/blkio.throttle.io_serviced_recursive'),
      '8:0 Read 4\n8:0 Write 3\n8:0 Total 7\nTotal 7\n',
    );
    write(path.join(tmp, 'blkio/docker/abc/blkio.throttle.io_service_bytes'), 'Total 0\n');
    write(path.join(tmp, 'blkio/docker/abc/blkio.throttle.io_serviced'), 'Total 0\n');
    const layout: CgroupLayout = {
      mode: 'hybrid',
      root: v2,
      hierarchyMount: v2,
      v2: true,
      v1: {
        memory: path.join(tmp, 'memory'),
        cpuacct: path.join(tmp, 'cpuacct'),
        blkio: path.join(tmp, 'blkio'),
      },
    };
    const files = resolveCgroupFiles(layout, dir);
    expect(files.cpu).toEqual({ file: path.join(dir, 'cpu.stat'), unit: 'usec' }); // v2 cpu.stat first
    expect(files.memory).toBe(path.join(tmp, 'memory/docker/abc/memory.usage_in_bytes'));
    expect(files.io).toEqual({
      kind: 'blkio',
      bytesFile: path.join(tmp, 'blkio/docker/abc/blkio.throttle.io_service_bytes_recursive'),
      opsFile: path.join(tmp, 'blkio/docker/abc/blkio.throttle.io_serviced_recursive'),
    });
    const out = new Float64Array(COUNTER_COUNT);
    expect(readCgroupCounters(files, out)).toBe(4);
    expect(Array.from(out)).toEqual([7000, 4096, 100, 50, 4, 3, 4096]);

    // Legacy (no v2): cpuacct.usage in ns.
    const legacy: CgroupLayout = { ...layout, mode: 'legacy', v2: false };
    const lf = resolveCgroupFiles(legacy, dir);
    expect(lf.cpu).toEqual({
      file: path.join(tmp, 'cpuacct/docker/abc/cpuacct.usage'),
      unit: 'nsec',
    });
    readCgroupCounters(lf, out);
    expect(out[COUNTER_CPU_NS]).toBe(999);
  });

  it('turns a malformed file into NaN and a typed error naming it, and reads the rest', () => {
    const dir = path.join(tmp, 'bad');
    write(path.join(dir, 'cpu.stat'), 'usage_usec 12\n');
    write(path.join(dir, 'memory.current'), 'lots\n');
    write(path.join(dir, 'io.stat'), '8:0 rbytes=x\n');
    const layout: CgroupLayout = {
      mode: 'unified',
      root: tmp,
      hierarchyMount: tmp,
      v2: true,
      v1: {},
    };
    const errors: ZtsdbError[] = [];
    const out = new Float64Array(COUNTER_COUNT);
    expect(readCgroupCounters(resolveCgroupFiles(layout, dir), out, (e) => errors.push(e))).toBe(3);
    expect(out[COUNTER_CPU_NS]).toBe(12000);
    expect(Number.isNaN(out[COUNTER_MEMORY_BYTES]!)).toBe(true);
    expect(Number.isNaN(out[COUNTER_READ_BYTES]!)).toBe(true);
    expect(errors.map((e) => [e.code, e.context.file])).toEqual([
      ['ZTSDB_CGROUP_PARSE', path.join(dir, 'memory.current')],
      ['ZTSDB_CGROUP_PARSE', path.join(dir, 'io.stat')],
    ]);
  });

  it('reports 0 files read once the cgroup is gone, without errors', () => {
    const dir = path.join(tmp, 'gone');
    write(path.join(dir, 'cpu.stat'), 'usage_usec 1\n');
    const layout: CgroupLayout = {
      mode: 'unified',
      root: tmp,
      hierarchyMount: tmp,
      v2: true,
      v1: {},
    };
    const files = resolveCgroupFiles(layout, dir);
    fs.rmSync(dir, { recursive: true });
    const errors: ZtsdbError[] = [];
    const out = new Float64Array(COUNTER_COUNT);
    expect(readCgroupCounters(files, out, (e) => errors.push(e))).toBe(0);
    expect(errors).toEqual([]);
    expect(out.every((v) => Number.isNaN(v))).toBe(true);
  });
});
