/**
 * The collector on the real kernel (root): `ztsdb collector` (from dist/: npm
 * run build first; Nest cannot load inside jest) with ZTSDB_SOURCE=ebpf,
 * against a harness nats-server, watching a private cgroup sub-tree
 * (ZTSDB_CGROUP_ROOT) of `docker/<64hex>` containers made here. Every check is
 * on what the collector published to ZTSDB_SAMPLES and KV ztsdb_series,
 * against the cgroups' own files and the kernel's view (bpftool, fdinfo).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KV_SERIES } from '@ztsdb/bus';
import {
  CgroupfsSource,
  parseCpuStatUsageUsec,
  parseSingleUint,
  resolveCgroupFiles,
} from '@ztsdb/cgroup';
import { CgroupSandbox, EbpfSource, type SandboxContainer } from '@ztsdb/ebpf-source';
import {
  decodeSeriesEntry,
  METRICS,
  seriesId,
  seriesKey,
  seriesName,
  type CollectResult,
} from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { pointsOf, readSampleStream } from '../support/stream-reader';
import { ZtsdbProcess } from '../support/ztsdb-process';
import { cgroupLinks, cgroupmonMapsOf, mapKeys } from './kernel-state';
import { BURN_CPU, nodeIn, spinIn, stop, stopAll, TCP_CLIENT, transferServer } from './workloads';

const INTERVAL_MS = 500;
const PAYLOAD = 4 << 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Σ value × Δt over the points after the first (whose interval is unknown): the counter's increase. */
function integrate(points: Array<[number, number]>, fromIndex = 1): number {
  let sum = 0;
  for (let i = Math.max(1, fromIndex); i < points.length; i++)
    sum += points[i]![1] * ((points[i]![0] - points[i - 1]![0]) / 1000);
  return sum;
}

function within(actual: number, low: number, high: number): void {
  expect(actual).toBeGreaterThanOrEqual(low);
  expect(actual).toBeLessThanOrEqual(high);
}

function cpuUsageNs(dir: string): number {
  const file = path.join(dir, 'cpu.stat');
  return parseCpuStatUsageUsec(fs.readFileSync(file, 'utf8'), file) * 1000;
}

function cgroupIdOf(dir: string): bigint {
  return fs.statSync(dir, { bigint: true }).ino;
}

describe('collector with the eBPF source on the real kernel', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let kv: KV;
  let collector: ZtsdbProcess | undefined;
  let sandbox: CgroupSandbox;
  const data = tempDir('ztsdb-collector-e2e-');

  async function entry(
    metric: string,
    c: SandboxContainer,
  ): Promise<{ active: boolean } | undefined> {
    const key = seriesKey(seriesId(seriesName(metric, c.shortId)));
    const e = await kv.get(key);
    return e && e.length > 0 ? decodeSeriesEntry(key, e.value) : undefined;
  }

  async function points(metric: string, c: SandboxContainer): Promise<Array<[number, number]>> {
    return pointsOf(await readSampleStream(nc), seriesId(seriesName(metric, c.shortId)));
  }

  beforeAll(async () => {
    expect(process.getuid?.()).toBe(0);
    sandbox = new CgroupSandbox(`ztsdb-collector-e2e-${process.pid}`);
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    collector = ZtsdbProcess.start(['collector'], {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_SOURCE: 'ebpf',
      ZTSDB_CGROUP_ROOT: sandbox.root,
      ZTSDB_COLLECT_INTERVAL_MS: String(INTERVAL_MS),
      ZTSDB_DISCOVERY_INTERVAL_MS: '2000',
      ZTSDB_HOST: 'e2e-host',
      ZTSDB_LOG_LEVEL: 'info', // its start-up line says when it has collected once
    });
    // Only once the collector has made its streams and buckets (its first tick comes after):
    // `Kvm.open` binds without asking the server, and nats-server 2.9 crashes on a message read
    // from a stream it is still creating (jsMsgGetRequest on a stream without its store yet).
    await waitFor(
      () => {
        if (collector!.exited) throw new Error(`the collector exited:\n${collector!.output}`);
        return /collecting from the /.test(collector!.output);
      },
      'the collector to make its buckets and collect once',
      15_000,
      100,
    );
    kv = await new Kvm(nc).open(KV_SERIES);
  });

  afterAll(async () => {
    const code = await collector?.stop();
    await stopAll();
    sandbox?.removeAll();
    expect(code).toBe(0);
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  let a: SandboxContainer;

  it('publishes CPU like cpu.stat, network bytes like the payload, memory like the cgroup file', async () => {
    a = sandbox.addContainer();
    // Registered means one sample is out: from here on every interval is in the published points.
    await waitFor(
      async () => (await entry('container.cpu.usage', a))?.active,
      'the first sample of the container',
      20_000,
    );

    const memoryFile = resolveCgroupFiles(sandbox.layout(), a.v2).memory!;
    expect(memoryFile).toBeDefined();
    const memReads: Array<[number, number]> = [];
    const poll = setInterval(
      () =>
        memReads.push([
          Date.now(),
          parseSingleUint(fs.readFileSync(memoryFile, 'utf8'), memoryFile),
        ]),
      3,
    );
    try {
      const usage0 = cpuUsageNs(a.v2);
      const srv = await transferServer(PAYLOAD);
      try {
        const burner = nodeIn(a, BURN_CPU, ['1000']);
        const client = nodeIn(a, TCP_CLIENT, [String(srv.port), String(PAYLOAD)]);
        const [b, c] = await Promise.all([burner.done, client.done]);
        expect(b.code).toBe(0);
        expect(c.code).toBe(0);
        expect(Number(c.stdout.trim())).toBe(PAYLOAD);
        expect(await srv.received).toBe(PAYLOAD);
      } finally {
        await srv.close();
      }
      const usageNs = cpuUsageNs(a.v2) - usage0;
      const ended = Date.now();
      // Two more ticks: the last interval with the workload in it is published.
      await waitFor(
        async () => {
          const p = await points('container.cpu.usage', a);
          return p.length > 0 && p[p.length - 1]![0] >= ended + 2 * INTERVAL_MS;
        },
        'ticks after the workload',
        5000,
      );
      clearInterval(poll);

      expect(usageNs).toBeGreaterThan(1e9);
      const cpuNs = (integrate(await points('container.cpu.usage', a)) / 100) * 1e9;
      within(cpuNs, usageNs * 0.95, usageNs * 1.05);

      const tx = integrate(await points('container.net.tx.bytes', a));
      const rx = integrate(await points('container.net.rx.bytes', a));
      within(tx, PAYLOAD, PAYLOAD * 1.1);
      within(rx, PAYLOAD, PAYLOAD * 1.1);
      expect(integrate(await points('container.net.tx.packets', a))).toBeGreaterThan(0);
      expect(integrate(await points('container.net.rx.packets', a))).toBeGreaterThan(0);
      // node maps its heap and code: the extra series is there and moved.
      expect(integrate(await points('container.memory.mapped.bytes', a))).toBeGreaterThan(0);

      // Each memory point lies between the file's values read around its tick: from its scheduled
      // time until three intervals later (a tick is stamped with its scheduled time, and a loaded
      // machine runs it late: once the workload exits, a late read sees the freed memory).
      let checked = 0;
      let nonZero = 0;
      for (const [t, v] of await points('container.memory.bytes', a)) {
        if (t - 5 < memReads[0]![0]) continue; // read before the poll began: nothing to compare
        const around = memReads
          .filter(([rt]) => rt >= t - 5 && rt <= t + 3 * INTERVAL_MS)
          .map(([, rv]) => rv);
        if (around.length < 2) continue;
        checked++;
        if (v > 0) nonZero++;
        within(v, Math.min(...around), Math.max(...around));
      }
      expect(checked).toBeGreaterThanOrEqual(4);
      expect(nonZero).toBeGreaterThanOrEqual(1);
    } finally {
      clearInterval(poll);
    }
  });

  it('publishes samples of a container that lived 300 ms between two ticks', async () => {
    // Start just after a tick, so creation and removal fall in the same interval.
    await waitFor(
      () => Date.now() % INTERVAL_MS > 20 && Date.now() % INTERVAL_MS < 60,
      'the start of an interval',
      2000,
      2,
    );
    const born = Date.now();
    const b = sandbox.addContainer();
    const w = spinIn(b);
    await sleep(250);
    await stop(w);
    await sleep(50); // a runtime's teardown: its last counters are read when cgroup.events says empty
    sandbox.removeContainer(b);
    const gone = Date.now();
    expect(Math.floor(gone / INTERVAL_MS)).toBe(Math.floor(born / INTERVAL_MS));

    // Rates only: after them comes the staleness marker of the removal (the last test checks it).
    const rates = async (metric: string): Promise<Array<[number, number]>> =>
      (await points(metric, b)).filter(([, v]) => !Number.isNaN(v));
    const cpu = await waitFor(
      async () => {
        const p = await rates('container.cpu.usage');
        return p.length > 0 ? p : undefined;
      },
      'samples of the short-lived container',
      5000,
    );
    expect(cpu).toHaveLength(1);
    expect(cpu[0]![0]).toBeGreaterThan(gone);
    expect(cpu[0]![1]).toBeGreaterThan(1); // it burned CPU for most of its life
    // Memory lives in another partition: its batch may be ingested a moment after the CPU one.
    const mem = await waitFor(
      async () => {
        const p = await rates('container.memory.bytes');
        return p.length > 0 ? p : undefined;
      },
      'the memory sample of the short-lived container',
      5000,
    );
    expect(mem).toHaveLength(1);
    await waitFor(
      async () => (await entry('container.cpu.usage', b))?.active === false,
      'its series to be inactive',
      20_000,
    );
  });

  it('gives the same CPU figure as the cgroupfs source on the same workload', async () => {
    const c = sandbox.addContainer();
    const layout = sandbox.layout();
    const opts = { layout, dockerSocketPath: null, watch: false, discoveryIntervalMs: 60_000 };
    const ebpf = new EbpfSource(opts);
    const cgroupfs = new CgroupfsSource(opts);
    try {
      await ebpf.start();
      await cgroupfs.start();
      const cpuOf = (r: CollectResult) =>
        r.samples.find((s) => s.container.id === c.shortId)?.values['container.cpu.usage'];
      await sleep(150);
      const t0 = Date.now();
      expect(cpuOf(await ebpf.collect(t0))).toBeDefined();
      expect(cpuOf(await cgroupfs.collect(t0))).toBeDefined();
      const usage0 = cpuUsageNs(c.v2);
      const w = nodeIn(c, BURN_CPU, ['700']);
      expect((await w.done).code).toBe(0);
      const t1 = Date.now();
      const e = cpuOf(await ebpf.collect(t1))!;
      const f = cpuOf(await cgroupfs.collect(t1))!;
      const usageNs = cpuUsageNs(c.v2) - usage0;
      const ebpfNs = (e / 100) * (t1 - t0) * 1e6;
      const cgroupfsNs = (f / 100) * (t1 - t0) * 1e6;
      expect(usageNs).toBeGreaterThan(0.7e9);
      within(ebpfNs, cgroupfsNs * 0.95, cgroupfsNs * 1.05);
      within(ebpfNs, usageNs * 0.95, usageNs * 1.05);
    } finally {
      await ebpf.close();
      await cgroupfs.close();
      sandbox.removeContainer(c);
    }
  });

  it('on removal: last rates published, series inactive and ended by a staleness marker, map key deleted, skb programs detached', async () => {
    const id = cgroupIdOf(a.v2);
    const maps = cgroupmonMapsOf(collector!.proc.pid!);
    expect(maps).toHaveLength(1);
    expect(mapKeys(maps[0]!)).toContain(id);
    expect(cgroupLinks(id).sort()).toEqual(['cgroup_inet_egress', 'cgroup_inet_ingress']);

    sandbox.removeContainer(a);
    const gone = Date.now();
    for (const metric of METRICS) {
      await waitFor(
        async () => (await entry(metric, a))?.active === false,
        `${metric} of the removed container to be inactive`,
        20_000,
      );
    }
    // Points carry their tick's scheduled time; the tick that saw the removal may run a little
    // after that time, so its point belongs to the interval in which the container went, or later.
    const last = await points('container.cpu.usage', a);
    expect(last[last.length - 1]![0]).toBeGreaterThanOrEqual(
      Math.floor(gone / INTERVAL_MS) * INTERVAL_MS,
    );
    expect(mapKeys(maps[0]!)).not.toContain(id);
    expect(cgroupLinks(id)).toEqual([]);
    // Each of its series ends with Prometheus's staleness marker, bit for bit, after its rates.
    const batches = await readSampleStream(nc);
    for (const metric of METRICS) {
      const sid = seriesId(seriesName(metric, a.shortId));
      const pts: Array<[number, bigint]> = [];
      for (const batch of batches) {
        const bits = new BigUint64Array(batch.values.buffer, batch.values.byteOffset, batch.count);
        for (let i = 0; i < batch.count; i++)
          if (batch.seriesIds[i] === sid) pts.push([batch.timestamps[i]!, bits[i]!]);
      }
      pts.sort((x, y) => x[0] - y[0]);
      expect(pts.length).toBeGreaterThan(1);
      expect(pts[pts.length - 1]![1]).toBe(0x7ff0000000000002n);
      expect(pts.filter(([, v]) => v === 0x7ff0000000000002n)).toHaveLength(1);
    }
  });
});
