import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CgroupRootError, resolveCgroupLayout } from '@ztsdb/cgroup';
import { loadSettings } from '@ztsdb/config';
import type { EbpfProbe } from '@ztsdb/ebpf';
import { selectMetricSource, type SourceProbes } from './source-selection';

const AVAILABLE: EbpfProbe = { available: true, libbpfVersion: '1.1' };
const NOT_ROOT: EbpfProbe = {
  available: false,
  problem: 'not-root',
  reason: 'not root (uid 1000)',
};

function probes(ebpf: EbpfProbe, layout: 'host' | 'none' | string = 'host'): SourceProbes {
  return {
    ebpf: () => ebpf,
    layout: (root) => {
      if (layout === 'none')
        throw new CgroupRootError('no cgroup2 mount and no cgroup v1 cpuacct or memory mount');
      return resolveCgroupLayout(
        layout === 'host' ? (root !== undefined ? { root } : {}) : { root: layout },
      );
    },
  };
}

const logged: string[] = [];
const log = { log: (m: string) => logged.push(m), warn: (m: string) => logged.push(m) };
const createMetricSource = (s: ReturnType<typeof loadSettings>, p: SourceProbes) =>
  selectMetricSource(s, log, p);

beforeEach(() => (logged.length = 0));

const settings = (env: Record<string, string>) =>
  loadSettings({ ZTSDB_LOG_LEVEL: 'error', ...env });

describe('selectMetricSource', () => {
  it('auto: eBPF when the probe says it can run on a cgroup v2 root', async () => {
    expect(
      (await createMetricSource(settings({ ZTSDB_SOURCE: 'auto' }), probes(AVAILABLE))).kind,
    ).toBe('ebpf');
  });

  it('auto: cgroupfs when eBPF is not available', async () => {
    expect(
      (await createMetricSource(settings({ ZTSDB_SOURCE: 'auto' }), probes(NOT_ROOT))).kind,
    ).toBe('cgroupfs');
    expect(logged).toEqual([
      'eBPF not available: not root (uid 1000); using cgroupfs',
      expect.stringMatching(/^container metadata from |^no container runtime socket found/),
    ]);
  });

  it('auto: cgroupfs when the root is not a cgroup2 directory (a fixture tree), even with eBPF', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-factory-'));
    try {
      const s = settings({ ZTSDB_SOURCE: 'auto', ZTSDB_CGROUP_ROOT: dir });
      expect((await createMetricSource(s, probes(AVAILABLE))).kind).toBe('cgroupfs');
    } finally {
      fs.rmdirSync(dir);
    }
  });

  it('auto: synthetic only when there is no cgroup hierarchy at all', async () => {
    expect(
      (await createMetricSource(settings({ ZTSDB_SOURCE: 'auto' }), probes(NOT_ROOT, 'none'))).kind,
    ).toBe('synthetic');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(
      /no cgroup hierarchy to read .*no cgroup2 mount.*using the synthetic source/,
    );
  });

  it('ebpf: fails with the reason when eBPF cannot run', async () => {
    await expect(
      createMetricSource(settings({ ZTSDB_SOURCE: 'ebpf' }), probes(NOT_ROOT)),
    ).rejects.toMatchObject({
      code: 'ZTSDB_SOURCE_UNAVAILABLE',
      message: expect.stringContaining('not root (uid 1000)'),
    });
  });

  it('ebpf: fails when there is no cgroup v2 hierarchy', async () => {
    await expect(
      createMetricSource(settings({ ZTSDB_SOURCE: 'ebpf' }), probes(AVAILABLE, 'none')),
    ).rejects.toMatchObject({
      code: 'ZTSDB_SOURCE_UNAVAILABLE',
      message: expect.stringContaining('no cgroup v2 hierarchy'),
    });
  });

  it('cgroupfs: forced, and a clear failure without any hierarchy', async () => {
    expect(
      (await createMetricSource(settings({ ZTSDB_SOURCE: 'cgroupfs' }), probes(AVAILABLE))).kind,
    ).toBe('cgroupfs');
    await expect(
      createMetricSource(settings({ ZTSDB_SOURCE: 'cgroupfs' }), probes(AVAILABLE, 'none')),
    ).rejects.toMatchObject({
      code: 'ZTSDB_SOURCE_UNAVAILABLE',
      message: expect.stringContaining('no cgroup hierarchy'),
    });
  });

  it('synthetic stays', async () => {
    expect(
      (await createMetricSource(settings({ ZTSDB_SOURCE: 'synthetic' }), probes(NOT_ROOT, 'none')))
        .kind,
    ).toBe('synthetic');
  });

  it('passes ZTSDB_CGROUP_ROOT through (the source watches exactly that tree)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-factory-'));
    const source = await createMetricSource(
      settings({ ZTSDB_SOURCE: 'cgroupfs', ZTSDB_CGROUP_ROOT: dir }),
      probes(NOT_ROOT),
    );
    try {
      await source.start();
      expect((source as unknown as { layout: { root: string } }).layout.root).toBe(dir);
    } finally {
      await source.close();
      fs.rmdirSync(dir);
    }
  });
});
