import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ZtsdbError } from '@ztsdb/errors';
import { CgroupfsSource } from './cgroupfs-source';

/*
 * CgroupfsSource over a cgroup-shaped tree in a temp dir (files written by the test) and a
 * Docker API on a unix socket: rates on a controlled clock, metadata, bad files.
 */

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const C = 'c3'.repeat(32);
const UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

describe('CgroupfsSource on a fixture tree', () => {
  let tmp: string;
  let server: http.Server;
  let socketPath: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-source-'));
    socketPath = path.join(tmp, 'docker.sock');
    server = http.createServer((req, res) => {
      if (req.url === `/containers/${A}/json`) {
        res
          .writeHead(200)
          .end(JSON.stringify({ Name: '/web', Config: { Image: 'nginx:1.27', Labels: {} } }));
      } else if (req.url === `/containers/${B}/json`) {
        const labels = {
          'io.kubernetes.pod.name': 'api-7f9',
          'io.kubernetes.pod.namespace': 'prod',
        };
        res
          .writeHead(200)
          .end(JSON.stringify({ Name: '/k8s_api', Config: { Image: 'api:3', Labels: labels } }));
      } else {
        res.writeHead(404).end('{}');
      }
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function cgroup(rel: string, usageUsec: number, memory: string, io = ''): string {
    const dir = path.join(tmp, 'root', rel);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'cpu.stat'),
      `usage_usec ${usageUsec}\nuser_usec 0\nsystem_usec 0\n`,
    );
    fs.writeFileSync(path.join(dir, 'memory.current'), memory);
    fs.writeFileSync(path.join(dir, 'io.stat'), io);
    return dir;
  }

  it('computes rates, fills metadata and reports bad files without losing the tick', async () => {
    let now = 1000;
    const errors: ZtsdbError[] = [];
    const a = cgroup(`docker/${A}`, 0, '1000\n', '8:0 rbytes=0 wbytes=0 rios=0 wios=0\n');
    const b = cgroup(`kubepods/burstable/pod${UID}/${B}`, 0, '2000\n');
    const c = cgroup(`kubepods/burstable/pod${UID}/${C}`, 0, '3000\n');
    const source = new CgroupfsSource({
      root: path.join(tmp, 'root'),
      dockerSocketPath: socketPath,
      watch: false,
      host: 'h1',
      clock: () => now,
      onError: (e) => errors.push(e),
    });
    await source.start();
    expect(source.layout?.v2).toBe(true);

    now += 2000;
    fs.writeFileSync(path.join(a, 'cpu.stat'), 'usage_usec 1000000\n'); // 1 s of CPU in 2 s
    fs.writeFileSync(path.join(a, 'io.stat'), '8:0 rbytes=4096 wbytes=8192 rios=2 wios=4\n');
    fs.writeFileSync(path.join(b, 'cpu.stat'), 'usage_usec 4000000\n'); // two cores
    fs.writeFileSync(path.join(c, 'memory.current'), 'garbage\n');
    const r = await source.collect(42_000);
    expect(r.removed).toEqual([]);
    const by = Object.fromEntries(r.samples.map((s) => [s.container.id, s]));

    expect(by[A.slice(0, 12)]).toEqual({
      container: {
        id: A.slice(0, 12),
        runtime: 'docker',
        name: 'web',
        image: 'nginx:1.27',
        host: 'h1',
      },
      timestampMs: 42_000,
      values: {
        'container.cpu.usage': 50,
        'container.memory.bytes': 1000,
        'container.memory.total.bytes': 1000,
        'container.block.read.bytes': 2048,
        'container.block.write.bytes': 4096,
        'container.block.read.ops': 1,
        'container.block.write.ops': 2,
      },
    });
    // kubepods, cgroupfs driver: docker answered, so pod, namespace and runtime come from it.
    expect(by[B.slice(0, 12)]!.container).toEqual({
      id: B.slice(0, 12),
      runtime: 'docker',
      name: 'k8s_api',
      image: 'api:3',
      pod: 'api-7f9',
      namespace: 'prod',
      host: 'h1',
    });
    expect(by[B.slice(0, 12)]!.values['container.cpu.usage']).toBe(200);
    // Docker does not know C: the pod uid from the path stands in; its bad memory file is reported, the rest published.
    expect(by[C.slice(0, 12)]!.container).toEqual({ id: C.slice(0, 12), pod: UID, host: 'h1' });
    expect(by[C.slice(0, 12)]!.values).toEqual({
      'container.cpu.usage': 0,
      'container.block.read.bytes': 0,
      'container.block.write.bytes': 0,
      'container.block.read.ops': 0,
      'container.block.write.ops': 0,
    });
    expect(errors.map((e) => [e.code, e.context.file])).toEqual([
      ['ZTSDB_CGROUP_PARSE', path.join(c, 'memory.current')],
    ]);

    // Under 100 ms after the last reading: no samples at all.
    now += 50;
    expect((await source.collect(42_050)).samples).toEqual([]);

    // A counter that went down (the cgroup was recreated in place): delta = its value.
    now += 950;
    fs.writeFileSync(path.join(a, 'cpu.stat'), 'usage_usec 100000\n');
    const r2 = await source.collect(43_000);
    expect(
      r2.samples.find((s) => s.container.id === A.slice(0, 12))!.values['container.cpu.usage'],
    ).toBeCloseTo(10, 9);

    // Gone: reported removed, no samples after.
    fs.rmSync(a, { recursive: true });
    now += 1000;
    const r3 = await source.collect(44_000);
    expect(r3.removed.map((x) => x.id)).toEqual([A.slice(0, 12)]);
    expect(r3.samples.map((s) => s.container.id).sort()).toEqual(
      [B.slice(0, 12), C.slice(0, 12)].sort(),
    );
    await source.close();
    await expect(source.collect(45_000)).rejects.toThrow(/before start or after close/);
  });

  it('refuses to start on a root that does not exist', async () => {
    const source = new CgroupfsSource({ root: path.join(tmp, 'absent'), dockerSocketPath: null });
    await expect(source.start()).rejects.toThrow(/cgroup root/);
  });
});
