import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZtsdbError } from '@ztsdb/errors';
import { BpfObject, possibleCpus } from './bpf-object';
import { findCgroup2Root } from './cgroup-fs';
import { libbpfVersion, setLibbpfLogging } from './libbpf';
import { errnoName, LibbpfError } from './errors';

describe('libbpf binding', () => {
  beforeAll(() => setLibbpfLogging(false));
  afterAll(() => setLibbpfLogging(true));

  it('loads libbpf.so.1 and reports its version and the possible CPUs', () => {
    expect(libbpfVersion()).toMatch(/^1\.\d+$/);
    expect(possibleCpus()).toBeGreaterThanOrEqual(1);
  });

  it('turns a failed open into a LibbpfError naming the call and errno', () => {
    let err: unknown;
    try {
      BpfObject.openFile('/nonexistent/x.bpf.o');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LibbpfError);
    expect(err).toBeInstanceOf(ZtsdbError);
    expect(err).toMatchObject({ code: 'ZTSDB_LIBBPF', call: 'bpf_object__open_file', errno: 2 });
    expect((err as Error).message).toContain('ENOENT');
  });

  it('rejects bytes that are not an ELF object', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ztsdb-ebpf-'));
    try {
      const bogus = join(dir, 'bogus.o');
      writeFileSync(bogus, 'not an elf file at all');
      expect(() => BpfObject.openFile(bogus)).toThrow(
        expect.objectContaining({ call: 'bpf_object__open_file' }),
      );
      expect(() => BpfObject.openBytes(Buffer.from('nope'))).toThrow(
        expect.objectContaining({ call: 'bpf_object__open_mem' }),
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('names errnos', () => {
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(524)).toBe('ENOTSUPP');
    expect(errnoName(99999)).toBe('errno 99999');
    expect(new LibbpfError('bpf_link__destroy', 9, 'x').message).toBe(
      'bpf_link__destroy failed: EBADF (x)',
    );
  });
});

describe('findCgroup2Root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ztsdb-mountinfo-'));
  afterAll(() => rmSync(dir, { recursive: true }));
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('finds the unified mount on a hybrid host', () => {
    const p = write(
      'hybrid',
      [
        '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
        '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
        '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
      ].join('\n'),
    );
    expect(findCgroup2Root(p)).toBe('/sys/fs/cgroup/unified');
  });

  it('finds /sys/fs/cgroup on a unified host, with optional fields present', () => {
    const p = write(
      'unified',
      '29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n',
    );
    expect(findCgroup2Root(p)).toBe('/sys/fs/cgroup');
  });

  it('returns undefined without a cgroup2 mount', () => {
    expect(
      findCgroup2Root(write('none', '32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n')),
    ).toBeUndefined();
  });
});
