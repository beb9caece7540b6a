/**
 * A TestStore backed by a whole ztsdb stack: a real nats-server and `ztsdb all` from dist
 * (collector idle, ingestor, compactor, query service). Samples go in as a producer sends
 * them — series registered in KV ztsdb_series, sample batches on the samples stream — and are
 * read back through the query service, which merges hot, warm and cold. `clear` throws the
 * stack away; the next use starts a fresh one.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { ensureTopology, resolvePartitions, samplesSubject, type Topology } from '@ztsdb/bus';
import { encodeSeriesEntry, partitionOf, seriesId, seriesKey } from '@ztsdb/model';
import { formatLabels, isStaleNaN, type Labels, type Queryable } from '@ztsdb/promql';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { encodeSampleBatch, sampleBatchMsgId } from '@ztsdb/wire';
import { freePort, getJson, ZtsdbProcess } from '../../support/ztsdb-process';
import type { TestStore } from './runner';

const PARTITIONS = 4;

/**
 * The scripts' samples start at 1970-01-01, and an ingestor refuses points before 2000
 * (ZTSDB_ABSURD_TIMESTAMP). The stack keeps them this much later, a whole number of days so
 * every step and range stays aligned as it was; HttpQueryRunner shifts query times by the
 * same. Only queries that print absolute times (`time()`, `timestamp()`, `@ <t>`, date
 * functions) could tell, and the scripts run this way use none.
 */
export const STACK_TIME_OFFSET_MS = 19_700 * 86_400_000;
const BATCH = 4096;

interface Stack {
  server: NatsServer;
  nc: NatsConnection;
  topology: Topology;
  proc: ZtsdbProcess;
  data: { path: string; remove(): void };
  http: string;
  sequence: bigint;
  /** Samples published so far that count_over_time sees (staleness markers do not count). */
  visible: number;
  lastMs: number;
}

/** The canonical name of a series from another source: `metric{l="v",…}`, labels sorted. */
function nameOf(labels: Labels): string {
  return formatLabels(labels).replace(/, /g, ',').replace(/\{\}$/, '');
}

export class StackStore implements TestStore {
  readonly queryable: Queryable = {
    select: () => Promise.reject(new Error('a StackStore is read through its HTTP API')),
  };
  /** Per series, value by time: a series loaded twice keeps its last value, as in Prometheus. */
  private readonly pending = new Map<string, { labels: Labels; points: Map<number, number> }>();
  private stack: Stack | undefined;
  private starting: Promise<Stack> | undefined;
  stacksStarted = 0;

  add(labels: Labels, timestampMs: number, value: number): void {
    const name = nameOf(labels);
    let p = this.pending.get(name);
    if (!p) this.pending.set(name, (p = { labels, points: new Map() }));
    p.points.set(timestampMs + STACK_TIME_OFFSET_MS, value);
  }

  async clear(): Promise<void> {
    this.pending.clear();
    await this.stop();
  }

  /** The query service's HTTP address, starting a stack when there is none. */
  async http(): Promise<string> {
    return (await this.running()).http;
  }

  private running(): Promise<Stack> {
    if (this.stack) return Promise.resolve(this.stack);
    this.starting ??= this.start().then((s) => {
      this.stack = s;
      this.starting = undefined;
      return s;
    });
    return this.starting;
  }

  private async start(): Promise<Stack> {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    const topology = await ensureTopology(nc);
    await resolvePartitions(topology.config, PARTITIONS);
    const data = tempDir('ztsdb-promqltest-');
    const port = await freePort();
    const proc = ZtsdbProcess.start(['all'], {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: '0',
      // The scripts' samples are from 1970: keep them.
      ZTSDB_RETENTION: `${100 * 365 * 24}h`,
    });
    const http = `http://127.0.0.1:${port}`;
    this.stacksStarted++;
    await waitFor(
      async () => {
        if (proc.exited) throw new Error(`ztsdb all exited:\n${proc.output}`);
        return (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200;
      },
      'the stack to be ready',
      30_000,
    );
    return { server, nc, topology, proc, data, http, sequence: 0n, visible: 0, lastMs: 0 };
  }

  /** Registers the new series, publishes their samples, and waits until all are queryable. */
  async flush(): Promise<void> {
    const s = await this.running();
    const js = jetstream(s.nc);
    const producerId = 0x70726f6d716cn; // fixed per stack: sequences keep batches distinct
    const cols = Array.from({ length: PARTITIONS }, () => ({
      ids: [] as bigint[],
      ts: [] as number[],
      vs: [] as number[],
    }));
    const publish = async (p: number): Promise<void> => {
      const c = cols[p]!;
      for (let i = 0; i < c.ids.length; i += BATCH) {
        const header = { partition: p, producerId, sequence: ++s.sequence };
        const j = Math.min(c.ids.length, i + BATCH);
        const data = encodeSampleBatch(
          header,
          c.ids.slice(i, j),
          c.ts.slice(i, j),
          Float64Array.from(c.vs.slice(i, j)),
        );
        await js.publish(samplesSubject(p), data, { msgID: sampleBatchMsgId(header) });
      }
    };
    for (const [name, p] of this.pending) {
      const id = seriesId(name);
      const labels = Object.fromEntries(p.labels);
      await s.topology.series.put(
        seriesKey(id),
        encodeSeriesEntry({ id: seriesKey(id), name, labels, active: true, updatedMs: Date.now() }),
      );
      const c = cols[partitionOf(id, PARTITIONS)]!;
      for (const [t, v] of [...p.points].sort((a, b) => a[0] - b[0])) {
        c.ids.push(id);
        c.ts.push(t);
        c.vs.push(v);
        if (!isStaleNaN(v)) s.visible++;
        s.lastMs = Math.max(s.lastMs, t);
      }
    }
    this.pending.clear();
    for (let p = 0; p < PARTITIONS; p++) await publish(p);
    const probe = `sum(count_over_time({__name__=~".+"}[1000000h] @ ${s.lastMs / 1000}))`;
    let seen = '';
    const wanted = s.visible;
    await waitFor(
      async () => {
        const r = await getJson(
          `${s.http}/api/v1/query?query=${encodeURIComponent(probe)}&time=${s.lastMs / 1000}`,
        );
        seen = JSON.stringify(r.body).slice(0, 300);
        return Number(r.body?.data?.result?.[0]?.value?.[1]) === wanted;
      },
      `${wanted} samples to be queryable`,
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last answer: ${seen}\n${s.proc.output.slice(-2000)}`);
    });
  }

  async stop(): Promise<void> {
    const s = this.stack ?? (await this.starting?.catch(() => undefined));
    this.stack = undefined;
    this.starting = undefined;
    if (!s) return;
    await s.proc.stop();
    await s.nc.close();
    await s.server.stop();
    s.data.remove();
  }
}
