import * as fs from 'node:fs';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, ZtsdbProcess } from '../support/ztsdb-process';
import { BUSYBOX, DOCKER_CLI, DOCKERD, Dockerd } from './dockerd';

/*
 * ztsdb against a real Docker engine: containers from a locally imported busybox image
 * burn CPU, send bytes over their loopback, write a file and grow memory, and what ztsdb
 * stored is compared with the cgroup files, `docker stats` (the Engine API's stats) and
 * the bytes really sent. Needs root, dockerd, the docker CLI and busybox-static (.ci/run
 * installs them); skipped, saying why, only where there is no dockerd binary.
 */
const IMAGE = 'ztsdb-test/busybox:1';
const PAYLOAD = 64 * 65536; // bytes the net container sends to itself
const missing = !DOCKERD
  ? 'no dockerd binary on this host'
  : !DOCKER_CLI
    ? 'no docker CLI'
    : !BUSYBOX
      ? 'no busybox-static'
      : undefined;
if (missing && DOCKERD) throw new Error(`dockerd is here but ${missing}: .ci/run installs it`);
const suite = DOCKERD ? describe : describe.skip;

type Points = Array<[number, number]>;

/** Σ rate × Δt over the points (the first point's interval taken as the next one's). */
function integrate(points: Points): number {
  let sum = 0;
  for (let i = 1; i < points.length; i++)
    sum += (points[i]![1] * (points[i]![0] - points[i - 1]![0])) / 1000;
  return sum;
}

/** The container's CPU time (ns) from its own cgroup: v2 cpu.stat usage_usec, else v1 cpuacct.usage. */
function cgroupCpuNs(id: string): number {
  for (const dir of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    const f = `${dir}/docker/${id}/cpu.stat`;
    if (fs.existsSync(f))
      return Number(/^usage_usec (\d+)$/m.exec(fs.readFileSync(f, 'utf8'))![1]) * 1000;
  }
  return Number(fs.readFileSync(`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, 'utf8'));
}

/** `docker stats`'s memory figure: usage minus inactive file cache (v1 total_inactive_file, v2 inactive_file). */
function dockerStatsMemory(stats: {
  memory_stats: { usage: number; stats: Record<string, number> };
}): number {
  const m = stats.memory_stats;
  const inactive = m.stats.total_inactive_file ?? m.stats.inactive_file ?? 0;
  return inactive < m.usage ? m.usage - inactive : m.usage;
}

suite(`ztsdb against a real Docker engine${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dockerd: Dockerd;
  let server: NatsServer;
  let ztsdb: ZtsdbProcess;
  let http: string;
  const data = tempDir('ztsdb-docker-');
  const ids: Record<string, string> = {};
  let cpuStartedAt = 0;
  let cpuBefore = { ns: 0, at: 0 };

  const points = async (metric: string, id: string): Promise<Points> => {
    const r = await getJson(`${http}/query?series=${metric}.${id.slice(0, 12)}&start=-10m&end=now`);
    return r.status === 200 ? (r.body.points as Points) : [];
  };
  const run = async (name: string, script: string) => {
    ids[name] = await dockerd.docker([
      'run',
      '-d',
      '--pull=never',
      '--network',
      'none',
      '--name',
      `ztsdb-${name}`,
      IMAGE,
      'sh',
      '-c',
      script,
    ]);
  };

  beforeAll(async () => {
    dockerd = await Dockerd.start(DOCKERD!);
    await dockerd.importBusybox(BUSYBOX!, IMAGE);
    server = await NatsServer.start();
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    ztsdb = ZtsdbProcess.start(['all'], {
      ...dockerd.env,
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_COLLECTOR_HTTP_ADDR: 'off',
      ZTSDB_INGESTOR_HTTP_ADDR: 'off',
      ZTSDB_COMPACTOR_HTTP_ADDR: 'off',
      ZTSDB_SOURCE: 'auto',
      ZTSDB_COLLECT_INTERVAL_MS: '500',
      ZTSDB_DISCOVERY_INTERVAL_MS: '1000',
      ZTSDB_LOG_LEVEL: 'info',
    });
    await waitFor(
      async () => (await getJson(`${http}/readyz`)).status === 200,
      'ztsdb ready',
      30_000,
    );
    // Each waits first, so the collector has its baseline before the work starts; the
    // shell stays (a last `echo`) so nothing it holds is freed by an exec.
    await run('cpu', 'sleep 5; yes > /dev/null & p=$!; sleep 3; kill $p; sleep 600; echo');
    cpuStartedAt = Date.now();
    // The first reading of the run, while the container idles: its start-up is over (and
    // more than a tick before), its burn not begun.
    await waitFor(
      async () => (await points('container.cpu.usage', ids.cpu!)).length > 0,
      'the first CPU point',
      4000,
    );
    const idle = cpuStartedAt + 2500 - Date.now();
    if (idle > 0) await new Promise((r) => setTimeout(r, idle));
    cpuBefore = { ns: cgroupCpuNs(ids.cpu!), at: Date.now() };
    await run(
      'net',
      `sleep 2; sleep 600 | nc -l -p 5000 > /dev/null & sleep 0.5; dd if=/dev/zero bs=65536 count=${PAYLOAD / 65536} 2>/dev/null | nc 127.0.0.1 5000; sleep 600; echo`,
    );
    await run(
      'disk',
      'sleep 2; dd if=/dev/zero of=/tmp/f bs=65536 count=256 2>/dev/null; sync; sleep 600; echo',
    );
    await run(
      'mem',
      'sleep 2; x=$(yes abcdefghijklmnopqrstuvwxyz | head -c 16000000); sleep 600; echo ${#x}',
    );
  }, 90_000);

  afterAll(async () => {
    await ztsdb?.stop();
    await server?.stop();
    await dockerd?.stop();
    data.remove();
  }, 60_000);

  it('knows each container by name and image (DOCKER_HOST names the engine)', async () => {
    expect(ztsdb.output).toMatch(`container metadata from docker (${dockerd.socket})`);
    for (const [name, id] of Object.entries(ids)) {
      const r = await waitFor(
        async () => {
          const s = await getJson(`${http}/series?match=container.cpu.usage.${id.slice(0, 12)}`);
          return s.body.series?.[0]?.labels?.container_name ? s.body.series[0] : undefined;
        },
        `labels of ${name}`,
        15_000,
      );
      expect(r.labels).toMatchObject({
        container_name: `ztsdb-${name}`,
        image: IMAGE,
        runtime: 'docker',
      });
    }
  });

  it('integrates CPU to the cgroup cpu.stat within ±2 %', async () => {
    const id = ids.cpu!;
    // Idle 5 s, burning 3 s, then idle: both cgroup readings fall in idle time.
    const wait = cpuStartedAt + 9500 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const after = { ns: cgroupCpuNs(id), at: Date.now() };
    const pts = await waitFor(
      async () => {
        const p = await points('container.cpu.usage', id);
        return p.length > 0 && p[p.length - 1]![0] >= after.at + 1000 ? p : undefined;
      },
      'CPU points past the cgroup reading',
      15_000,
    );
    // Σ rate × Δt over the points after the first reading, up to the last one (idle since).
    const from = pts.findIndex(([t]) => t > cpuBefore.at);
    const stored = integrate(pts.slice(Math.max(0, from - 1))) / 100; // % of a core × s → CPU s
    const cgroup = (after.ns - cpuBefore.ns) / 1e9;
    expect(cgroup).toBeGreaterThan(0.3); // 3 s of `yes` on a shared machine
    expect({ stored, cgroup, within2pc: Math.abs(stored - cgroup) / cgroup <= 0.02 }).toEqual({
      stored,
      cgroup,
      within2pc: true,
    });
  });

  it('counts the bytes sent and received over loopback within +5 % of payload plus headers', async () => {
    const id = ids.net!;
    // What really crossed the container's loopback (payload, TCP/IP headers, handshake and
    // ACKs): each packet leaves one socket of the container and reaches another.
    const pid = await dockerd.docker(['inspect', '-f', '{{.State.Pid}}', id]);
    const lo = /^\s*lo:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/net/dev`, 'utf8'))!;
    const wire = Number(lo[1]);
    expect(wire).toBeGreaterThanOrEqual(PAYLOAD);
    for (const dir of ['tx', 'rx']) {
      const pts = await waitFor(
        async () => {
          const p = await points(`container.net.${dir}.bytes`, id);
          return integrate(p) >= PAYLOAD ? p : undefined;
        },
        `${dir} bytes of the payload`,
        15_000,
      ).catch(async (e: Error) => {
        throw new Error(
          `${e.message}: ${JSON.stringify(await points(`container.net.${dir}.bytes`, id))}`,
        );
      });
      const total = integrate(pts);
      // BPF sees IP packets; /proc/net/dev adds lo's 14-byte link header to each.
      expect([dir, total >= PAYLOAD, total <= wire * 1.05]).toEqual([dir, true, true]);
    }
  });

  it('shows memory as docker stats does (usage minus inactive file cache)', async () => {
    type Stats = Parameters<typeof dockerStatsMemory>[0];
    for (const name of ['mem', 'disk']) {
      const id = ids[name]!;
      // docker stats once the container's memory holds still (its work done), then ztsdb's
      // next point after that reading.
      let last = -1;
      const want = await waitFor(
        async () => {
          const m = dockerStatsMemory(
            (await dockerd.get(`/containers/${id}/stats?stream=false`)) as Stats,
          );
          const steady = Math.abs(m - last) <= m * 0.005;
          last = m;
          return steady ? m : undefined;
        },
        `${name}'s memory to hold still`,
        20_000,
      );
      const at = Date.now();
      const pts = await waitFor(
        async () => {
          const p = await points('container.memory.bytes', id);
          return p.length > 0 && p[p.length - 1]![0] >= at + 500 ? p : undefined;
        },
        `a memory point of ${name} after docker stats`,
        10_000,
      );
      const got = pts[pts.length - 1]![1];
      if (name === 'mem') expect(want).toBeGreaterThan(15_000_000);
      // Equal but for the kernel's own pages moving between the two readings: the LRU ages
      // file pages from active to inactive at its own pace, which moves tens of pages of the
      // disk container's ~1 MiB (its 16 MiB of written file pages are what is subtracted, so
      // counting them would still fail by far).
      const slack = Math.max(want * 0.02, 256 * 1024);
      expect({ name, got, want, withinSlack: Math.abs(got - want) <= slack }).toEqual({
        name,
        got,
        want,
        withinSlack: true,
      });
    }
  });

  it('counts the bytes written to disk as the cgroup does', async () => {
    const id = ids.disk!;
    const pts = await points('container.block.write.bytes', id);
    const stored = integrate(pts);
    expect(stored).toBeGreaterThanOrEqual(0);
    const f = `/sys/fs/cgroup/blkio/docker/${id}/blkio.throttle.io_service_bytes_recursive`;
    const io = fs.existsSync(f)
      ? Number(/^Total (\d+)$/m.exec(fs.readFileSync(f, 'utf8'))?.[1] ?? 0)
      : Number(
          /wbytes=(\d+)/.exec(
            fs.readFileSync(`/sys/fs/cgroup/unified/docker/${id}/io.stat`, 'utf8'),
          )?.[1] ?? 0,
        );
    if (io === 0) expect(stored).toBe(0);
    else expect(Math.abs(stored - io) / io).toBeLessThanOrEqual(0.05);
  });

  it('marks the series inactive when the containers are removed', async () => {
    await dockerd.docker(['rm', '-f', ...Object.values(ids)]);
    for (const [name, id] of Object.entries(ids)) {
      await waitFor(
        async () => {
          const s = await getJson(`${http}/series?match=container.cpu.usage.${id.slice(0, 12)}`);
          return s.body.series?.[0]?.active === false;
        },
        `${name}'s series to go inactive`,
        15_000,
      );
    }
  });
});
