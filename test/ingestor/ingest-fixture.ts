import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hotSubject, KV_LEASES, samplesSubject } from '@ztsdb/bus';
import { partitionOf, seriesId, seriesKey } from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { stopAllZtsdb, type ZtsdbProcess } from '../support/ztsdb-process';
import {
  decodeHotReply,
  encodeSampleBatch,
  encodeSampleBatchV2,
  encodeSampleBatchV3,
  sampleBatchMsgId,
} from '@ztsdb/wire';

export const PARTITIONS = 4;
/** Timestamps of the test data start here (a fixed recent time, so they are never "absurd"). */
export const T0 = Math.floor(Date.now() / 1000) * 1000 - 3600_000;

/** Series of the test: ids grouped by partition. */
export function makeSeries(count: number, first = 0): Map<number, bigint[]> {
  const byPartition = new Map<number, bigint[]>();
  for (let p = 0; p < PARTITIONS; p++) byPartition.set(p, []);
  for (let i = first; i < first + count; i++) {
    const id = seriesId(`container.cpu.usage.${i.toString(16).padStart(12, '0')}`);
    byPartition.get(partitionOf(id, PARTITIONS))!.push(id);
  }
  return byPartition;
}

/**
 * A producer as the collector is one: one batch per partition per tick, each
 * published with its Nats-Msg-Id and retried until JetStream acknowledges it.
 * Records exactly what was acknowledged.
 */
export class TestPublisher {
  readonly acked = new Map<bigint, Map<number, number>>();
  ackedBatches = 0;
  private tick = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly js: JetStreamClient;
  readonly producerId = BigInt(Math.floor(Math.random() * 2 ** 48));

  /**
   * `value` gives the value of a series at a tick; the default is random (6 significant
   * digits, which Gorilla hardly compresses); real metrics compress far better.
   */
  constructor(
    readonly nc: NatsConnection,
    readonly series: Map<number, bigint[]>,
    readonly intervalMs = 20,
    private readonly value: (id: bigint, tick: number) => number = () =>
      Math.round(Math.random() * 1e6) / 100,
  ) {
    this.js = jetstream(nc, { timeout: 2000 });
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const t = T0 + this.tick * 1000;
      const tick = this.tick++;
      await Promise.all(
        [...this.series].map(([p, ids]) => this.publish(p, ids, t, BigInt(tick), tick)),
      );
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }

  private async publish(
    partition: number,
    ids: bigint[],
    t: number,
    sequence: bigint,
    tick: number,
  ): Promise<void> {
    const ts = ids.map(() => t);
    const vs = ids.map((id) => this.value(id, tick));
    const header = { partition, producerId: this.producerId, sequence };
    // Every wire version in turn, one a tick: the WAL and its replay hold all three.
    const cols = [BigUint64Array.from(ids), Float64Array.from(ts), Float64Array.from(vs)] as const;
    const bytes =
      tick % 3 === 0
        ? encodeSampleBatch(header, ids, ts, vs)
        : tick % 3 === 1
          ? encodeSampleBatchV2(header, ...cols, ids.length)!
          : encodeSampleBatchV3(header, ...cols, ids.length);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.js.publish(samplesSubject(partition), bytes, {
          msgID: sampleBatchMsgId(header),
          timeout: 2000,
        });
        break;
      } catch {
        // Once stopped, a batch the server never acknowledges (it is gone) is given up, not counted.
        if (!this.running && attempt >= 20) return;
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 500)));
      }
    }
    this.ackedBatches++;
    for (let i = 0; i < ids.length; i++) {
      let m = this.acked.get(ids[i]!);
      if (!m) this.acked.set(ids[i]!, (m = new Map()));
      m.set(ts[i]!, vs[i]!);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Every hot point of the given series, asked of each partition's owner over ztsdb.hot.p.<n>. */
export async function queryHot(
  nc: NatsConnection,
  series: Map<number, bigint[]>,
  timeoutMs = 2000,
): Promise<Map<bigint, Array<[number, number]>>> {
  const out = new Map<bigint, Array<[number, number]>>();
  // A few series per request, so that each answer fits in one message.
  const perRequest = 8;
  for (const [p, all] of series) {
    for (let i = 0; i < all.length; i += perRequest) {
      const ids = all.slice(i, i + perRequest);
      const reply = await nc.request(
        hotSubject(p),
        JSON.stringify({ ids: ids.map(seriesKey), start: 0, end: 8.64e15 }),
        { timeout: timeoutMs },
      );
      const err = reply.headers?.get('Ztsdb-Error');
      if (err) throw new Error(`partition ${p}: ${err}`);
      for (const s of decodeHotReply(reply.data).series) {
        out.set(
          s.id,
          Array.from(s.timestamps, (t, i) => [t, s.values[i]!] as [number, number]),
        );
      }
    }
  }
  return out;
}

/** Differences between what was acknowledged and what the ingestors answer (empty = identical). */
export function diff(pub: TestPublisher, actual: Map<bigint, Array<[number, number]>>): string[] {
  const problems: string[] = [];
  for (const [id, points] of pub.acked) {
    const expected = [...points.entries()].sort((a, b) => a[0] - b[0]);
    const got = actual.get(id) ?? [];
    if (got.length !== expected.length) {
      const want = new Set(expected.map((e) => e[0]));
      const have = new Set(got.map((e) => e[0]));
      const missing = expected.filter((e) => !have.has(e[0])).map((e) => e[0]);
      const extra = got.filter((e) => !want.has(e[0])).map((e) => e[0]);
      problems.push(
        `${seriesKey(id)}: ${got.length} points, want ${expected.length} (missing ${missing.slice(0, 5).join(',')}…×${missing.length}; extra ×${extra.length})`,
      );
      continue;
    }
    for (let i = 0; i < expected.length; i++) {
      if (got[i]![0] !== expected[i]![0] || !Object.is(got[i]![1], expected[i]![1])) {
        problems.push(
          `${seriesKey(id)}: point ${i} is ${JSON.stringify(got[i])}, want ${JSON.stringify(expected[i])}`,
        );
        break;
      }
    }
  }
  return problems;
}

/** Waits until the ingestors answer exactly what was acknowledged; fails with the differences. */
export async function expectExactlyAcked(
  nc: NatsConnection,
  pub: TestPublisher,
  series: Map<number, bigint[]>,
  timeoutMs = 15_000,
): Promise<void> {
  let last: string[] = ['never answered'];
  try {
    await waitFor(
      async () => {
        try {
          last = diff(pub, await queryHot(nc, series));
        } catch (e) {
          last = [String(e)];
        }
        return last.length === 0;
      },
      'the hot data to equal what JetStream acknowledged',
      timeoutMs,
      200,
    );
  } catch {
    throw new Error(
      `hot data differs from the acknowledged samples:\n${last.slice(0, 10).join('\n')}`,
    );
  }
}

/**
 * Resolves once an ingestor process has made the streams and buckets (its start-up line names
 * the partitions it shares or owns). Lease polls (`leaseOwners`) and a second replica wait for
 * it on a fresh server: nats-server 2.9 crashes on a message read from a stream another client
 * is still creating (jsMsgGetRequest on a stream without its store yet).
 */
export async function topologyMade(p: ZtsdbProcess, timeoutMs = 60_000): Promise<void> {
  const made = () => /ingestor \S+: (sharing \d+ partitions|owning partitions)/.test(p.output);
  await waitFor(
    () => p.exited || made(),
    'the ingestor to make its streams and buckets',
    timeoutMs,
    100,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${p.output}`);
  });
  if (!made()) throw new Error(`the ingestor exited before making its topology:\n${p.output}`);
}

/** Owner member id of each partition lease (undefined when free). */
export async function leaseOwners(nc: NatsConnection): Promise<Map<number, string | undefined>> {
  const kv = await new Kvm(nc).open(KV_LEASES);
  const out = new Map<number, string | undefined>();
  for (let p = 0; p < PARTITIONS; p++) {
    const e = await kv.get(`p.${p}`);
    out.set(p, e && e.operation === 'PUT' ? e.json<{ owner: string }>().owner : undefined);
  }
  return out;
}

export async function connectTo(url: string): Promise<NatsConnection> {
  return connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
}

export function ingestorEnv(
  natsUrl: string,
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NATS_URL: natsUrl,
    ZTSDB_DATA_DIR: dataDir,
    ZTSDB_PARTITIONS: String(PARTITIONS),
    ZTSDB_LEASE_TTL_MS: '2000',
    ZTSDB_INGESTOR_SNAPSHOT_INTERVAL: '1000',
    ZTSDB_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** What one test file of the ingestor runs against. */
export interface IngestTestBed {
  readonly server: NatsServer;
  readonly nc: NatsConnection;
  readonly dataDir: string;
}

/**
 * A nats-server, a connection to it and a data dir for the describe block it is
 * called in: started before its tests; ztsdb children, connection, server and
 * files removed after them.
 */
export function ingestTestBed(prefix: string): IngestTestBed {
  const data = tempDir(prefix);
  let server: NatsServer | undefined;
  let nc: NatsConnection | undefined;
  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    data.remove();
  });
  return {
    get server() {
      return server!;
    },
    get nc() {
      return nc!;
    },
    dataDir: data.path,
  };
}
