import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerDetector, type DetectedContainer } from './container-detector';
import { matchContainerDir, podUidOf, shortIdOf } from './container-patterns';

const H = (c: string) => c.repeat(64).slice(0, 64);
const A = H('a1');
const B = H('b2');
const C = H('c3');
const D = H('d4');
const E = H('e5');
const F = H('f6');
const UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

describe('container detector', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-detector-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const mk = (rel: string) => {
    fs.mkdirSync(path.join(root, rel), { recursive: true });
    return path.join(root, rel);
  };
  const byRel = (list: DetectedContainer[]) => Object.fromEntries(list.map((c) => [c.relPath, c]));

  it('recognises every runtime layout, with the directory inode as cgroup id', () => {
    const layouts: Array<[string, string, string | undefined, string | undefined]> = [
      // relPath, id, runtime, pod uid
      [`docker/${A}`, A, 'docker', undefined],
      [`system.slice/docker-${B}.scope`, B, 'docker', undefined],
      [`machine.slice/libpod-${C}.scope`, C, 'podman', undefined],
      [
        `user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${D}.scope`,
        D,
        'podman',
        undefined,
      ],
      [
        'user.slice/user-1000.slice/user@1000.service/user.slice/podman-4242.scope',
        '4242',
        'podman',
        undefined,
      ],
      ['system.slice/containerd-web1.scope', 'web1', 'containerd', undefined],
      [`system.slice/crio-${E}.scope`, E, 'cri-o', undefined],
      [`kubepods/burstable/pod${UID}/${F}`, F, undefined, UID],
      [
        `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${A}.scope`,
        A,
        'containerd',
        UID,
      ],
      [
        `kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/crio-${B}.scope`,
        B,
        'cri-o',
        UID,
      ],
    ];
    for (const [rel] of layouts) mk(rel);
    const scan = new ContainerDetector({ root }).scan();
    expect(scan.current).toHaveLength(layouts.length);
    expect(scan.added).toHaveLength(layouts.length);
    expect(scan.removed).toHaveLength(0);
    const got = byRel(scan.current);
    for (const [rel, id, runtime, podUid] of layouts) {
      const c = got[rel];
      expect(c).toBeDefined();
      expect(c!.id).toBe(id);
      expect(c!.runtime).toBe(runtime);
      expect(c!.podUid).toBe(podUid);
      expect(c!.path).toBe(path.join(root, rel));
      expect(c!.cgroupId).toBe(fs.statSync(path.join(root, rel), { bigint: true }).ino);
      expect(c!.shortId).toMatch(/^[0-9a-f]{12}$/);
    }
    expect(got[`docker/${A}`]!.shortId).toBe(A.slice(0, 12));
  });

  it('ignores crio-conmon, libpod-conmon and directories that only look close', () => {
    mk(`system.slice/crio-conmon-${E}.scope`);
    mk(`machine.slice/libpod-conmon-${C}.scope`);
    mk(`system.slice/docker.service`);
    mk(`other/${A}`); // bare hex outside docker/ and kubepods
    mk(`system.slice/docker-${A.slice(0, 63)}.scope`); // 63 hex
    mk('kubepods/burstable'); // QoS level, no container
    expect(new ContainerDetector({ root }).scan().current).toEqual([]);
  });

  it('counts child cgroups toward their container once, not as containers', () => {
    const c = mk(`docker/${A}`);
    mk(`docker/${A}/init.scope`);
    mk(`docker/${A}/docker/${B}`); // docker in docker: still A's
    mk(`machine.slice/libpod-${C}.scope/container`);
    const d = new ContainerDetector({ root });
    const scan = d.scan();
    expect(scan.current.map((x) => x.id).sort()).toEqual([A, C]);
    const a = byRel(scan.current)[`docker/${A}`]!;
    expect(a.childPaths.sort()).toEqual(
      [path.join(c, 'docker'), path.join(c, 'docker', B), path.join(c, 'init.scope')].sort(),
    );
    expect(a.childCgroupIds).toHaveLength(3);
    expect(a.childCgroupIds).toContain(
      fs.statSync(path.join(c, 'docker', B), { bigint: true }).ino,
    );
    expect(byRel(scan.current)[`machine.slice/libpod-${C}.scope`]!.childPaths).toEqual([
      path.join(root, `machine.slice/libpod-${C}.scope/container`),
    ]);

    // A child made later is added to its container, not reported as new.
    mk(`docker/${A}/late`);
    const again = d.scan();
    expect(again.added).toEqual([]);
    expect(again.removed).toEqual([]);
    expect(byRel(again.current)[`docker/${A}`]!.childPaths).toContain(path.join(c, 'late'));
  });

  it('reports containers added and removed between scans', () => {
    mk(`docker/${A}`);
    mk(`system.slice/docker-${B}.scope`);
    const d = new ContainerDetector({ root });
    expect(
      d
        .scan()
        .added.map((c) => c.id)
        .sort(),
    ).toEqual([A, B]);

    fs.rmdirSync(path.join(root, `docker/${A}`));
    mk(`system.slice/crio-${E}.scope`);
    const s2 = d.scan();
    expect(s2.removed.map((c) => c.id)).toEqual([A]);
    expect(s2.added.map((c) => c.id)).toEqual([E]);
    expect(s2.current.map((c) => c.id).sort()).toEqual([B, E]);

    const s3 = d.scan();
    expect(s3.added).toEqual([]);
    expect(s3.removed).toEqual([]);
    expect(d.current).toHaveLength(2);
    expect(d.walkedDirs).toContain(path.join(root, 'system.slice'));
    expect(d.walkedDirs).not.toContain(path.join(root, `system.slice/crio-${E}.scope`));
  });

  it('fails clearly when the root is missing', () => {
    expect(() => new ContainerDetector({ root: path.join(root, 'nope') }).scan()).toThrow(
      /cgroup root/,
    );
  });
});

describe('container patterns', () => {
  it('derives short ids: hex prefix, or FNV-1a of a non-hex id', () => {
    expect(shortIdOf(A.toUpperCase())).toBe(A.slice(0, 12));
    const p = shortIdOf('4242');
    expect(p).toMatch(/^[0-9a-f]{12}$/);
    expect(shortIdOf('4242')).toBe(p);
    expect(shortIdOf('4243')).not.toBe(p);
    expect(shortIdOf('abc')).not.toBe('abc');
  });

  it('recovers pod uids from both cgroup drivers', () => {
    expect(podUidOf(['kubepods', 'besteffort', `pod${UID}`])).toBe(UID);
    expect(
      podUidOf(['kubepods.slice', `kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice`]),
    ).toBe(UID);
    expect(podUidOf(['kubepods.slice'])).toBeUndefined();
  });

  it('leaves rootless podman pause scopes out', () => {
    expect(matchContainerDir('podman-pause-1a2b3c.scope', [])).toBeUndefined();
    expect(matchContainerDir('podman-77.scope', [])).toEqual({ id: '77', runtime: 'podman' });
  });
});
