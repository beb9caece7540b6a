import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureTopology, resolvePartitions, type Topology } from '@ztsdb/bus';
import type { Labels } from '@ztsdb/model';
import { NatsServer, tempDir } from '@ztsdb/testing';
import { freePort, getJson, ZtsdbProcess } from '../support/ztsdb-process';
import { registerSeries } from './pipeline-helpers';
import { TestHotOwner } from './test-hot-owner';

/**
 * One `ztsdb query` process from the built tree (HTTP on a free loopback port, NATS on a
 * real nats-server with its own store), with a TestHotOwner answering hot
 * data for every partition, so tests put points in with `add`.
 */
export class QueryBed {
  private constructor(
    readonly server: NatsServer,
    readonly nc: NatsConnection,
    readonly topology: Topology,
    readonly owner: TestHotOwner,
    readonly query: ZtsdbProcess,
    readonly http: string,
    private readonly data: { remove(): void },
  ) {}

  static async start(env: Record<string, string> = {}): Promise<QueryBed> {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    const topology = await ensureTopology(nc);
    await resolvePartitions(topology.config, 4);
    const owner = new TestHotOwner(nc);
    await nc.flush();
    const data = tempDir('ztsdb-query-bed-');
    const port = await freePort();
    const query = ZtsdbProcess.start(['query'], {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_HOT_TIMEOUT_MS: '2000',
      ...env,
    });
    const bed = new QueryBed(server, nc, topology, owner, query, `http://127.0.0.1:${port}`, data);
    const deadline = Date.now() + 20_000;
    while ((await getJson(`${bed.http}/readyz`).catch(() => ({ status: 0 }))).status !== 200) {
      if (query.exited || Date.now() > deadline) {
        await bed.stop();
        throw new Error(`the query service did not become ready:\n${query.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return bed;
  }

  /** Registers a series and gives the hot owner its points. */
  async add(
    name: string,
    labels: Labels,
    timestamps: ArrayLike<number>,
    values: ArrayLike<number>,
  ): Promise<bigint> {
    const id = await registerSeries(this.topology, name, labels);
    this.owner.add(id, timestamps, values);
    return id;
  }

  /** Waits until the service's registry holds `n` series. */
  async registered(n: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const r = await fetch(`${this.http}/series?match=*`);
      const body = (await r.json()) as { series?: unknown[] };
      if ((body.series?.length ?? 0) >= n) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the query service did not see ${n} series within 10 s`);
  }

  async stop(): Promise<void> {
    await this.query.stop();
    this.owner?.stop();
    await this.nc?.close();
    await this.server?.stop();
    this.data.remove();
  }
}
