import * as fs from 'node:fs';
import { resolveCgroupLayout, v1PathOf } from './cgroup-layout';
import { parseMountinfo } from './mountinfo';

const HYBRID = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

const UNIFIED = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
].join('\n');

const LEGACY = [
  '25 20 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
  '27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct',
  '28 25 0:25 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory',
].join('\n');

describe('cgroup layout', () => {
  it('parses mountinfo lines, optional fields and escaped paths', () => {
    const m = parseMountinfo(
      '40 31 0:37 / /mnt/a\\040b rw shared:5 master:1 - cgroup2 none rw,nsdelegate\nbroken line\n',
    );
    expect(m).toEqual([
      { root: '/', mountPoint: '/mnt/a b', fsType: 'cgroup2', superOptions: ['rw', 'nsdelegate'] },
    ]);
  });

  it('finds the unified root', () => {
    expect(resolveCgroupLayout({ mountinfo: UNIFIED })).toEqual({
      mode: 'unified',
      root: '/sys/fs/cgroup',
      hierarchyMount: '/sys/fs/cgroup',
      v2: true,
      v1: {},
    });
  });

  it('finds the hybrid root and the v1 controllers', () => {
    const l = resolveCgroupLayout({ mountinfo: HYBRID });
    expect(l).toEqual({
      mode: 'hybrid',
      root: '/sys/fs/cgroup/unified',
      hierarchyMount: '/sys/fs/cgroup/unified',
      v2: true,
      v1: {
        memory: '/sys/fs/cgroup/memory',
        blkio: '/sys/fs/cgroup/blkio',
        cpuacct: '/sys/fs/cgroup/cpuacct',
      },
    });
    expect(v1PathOf(l, 'memory', '/sys/fs/cgroup/unified/docker/abc')).toBe(
      '/sys/fs/cgroup/memory/docker/abc',
    );
  });

  it('walks a v1 hierarchy on a legacy host, co-mounted controllers included', () => {
    const l = resolveCgroupLayout({ mountinfo: LEGACY });
    expect(l.mode).toBe('legacy');
    expect(l.v2).toBe(false);
    expect(l.root).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(v1PathOf(l, 'memory', '/sys/fs/cgroup/cpu,cpuacct/docker/x')).toBe(
      '/sys/fs/cgroup/memory/docker/x',
    );
  });

  it('takes a given root and maps it through the mount that holds it', () => {
    const l = resolveCgroupLayout({ mountinfo: HYBRID, root: '/sys/fs/cgroup/unified/test-1' });
    expect(l.mode).toBe('hybrid');
    expect(l.root).toBe('/sys/fs/cgroup/unified/test-1');
    expect(l.hierarchyMount).toBe('/sys/fs/cgroup/unified');
    expect(v1PathOf(l, 'blkio', '/sys/fs/cgroup/unified/test-1/docker/x')).toBe(
      '/sys/fs/cgroup/blkio/test-1/docker/x',
    );
    const fixture = resolveCgroupLayout({ mountinfo: HYBRID, root: '/tmp/fixture' });
    expect(fixture).toEqual({
      mode: 'unified',
      root: '/tmp/fixture',
      hierarchyMount: '/tmp/fixture',
      v2: true,
      v1: {},
    });
  });

  it('says what to set when there is no cgroup mount', () => {
    expect(() =>
      resolveCgroupLayout({ mountinfo: '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n' }),
    ).toThrow(/ZTSDB_CGROUP_ROOT/);
  });

  it('finds this host’s hierarchy from /proc/self/mountinfo', () => {
    const l = resolveCgroupLayout();
    expect(fs.existsSync(`${l.root}/cgroup.procs`)).toBe(true);
    if (l.mode === 'hybrid') expect(l.root).toBe('/sys/fs/cgroup/unified');
    if (l.mode === 'unified') expect(l.root).toBe('/sys/fs/cgroup');
  });
});
