import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort } from './free-port';
import { NatsServer } from './nats-server';
import { tempDir } from './temp-dir';
import { waitFor } from './wait-for';

export interface NatsClusterOptions {
  /** Servers in the cluster (3 unless set). */
  nodes?: number;
  /** The cluster's name (`ztsdb-test` unless set). */
  name?: string;
  binary?: string;
  /** How long to wait for every server to be up and JetStream to have a meta leader. */
  startTimeoutMs?: number;
}

/** A client connection as a server's /connz reports it (the fields tests use). */
interface ConnzEntry {
  name?: string;
}

/**
 * A JetStream cluster of real nats-servers on loopback ports, each with its own
 * temporary store, server name (`n1`, `n2`, …), cluster and monitoring port,
 * routes to every other. A node can be crashed (SIGKILL by PID, store kept)
 * and started again; `stop()` ends every process and removes every store.
 */
export class NatsCluster {
  private constructor(
    readonly nodes: NatsServer[],
    private readonly monitorPorts: number[],
    private readonly confDir: { path: string; remove(): void },
  ) {}

  static async start(opts: NatsClusterOptions = {}): Promise<NatsCluster> {
    const n = opts.nodes ?? 3;
    const name = opts.name ?? 'ztsdb-test';
    const routePorts: number[] = [];
    const monitorPorts: number[] = [];
    for (let i = 0; i < n; i++) {
      routePorts.push(await freePort());
      monitorPorts.push(await freePort());
    }
    const confDir = tempDir('ztsdb-nats-cluster-');
    const nodes: NatsServer[] = [];
    try {
      // Started together: a JetStream server waits for its peers before it elects a leader.
      const starting = routePorts.map((port, i) => {
        const file = join(confDir.path, `n${i + 1}.conf`);
        const routes = routePorts
          .filter((_, j) => j !== i)
          .map((p) => `nats-route://127.0.0.1:${p}`);
        writeFileSync(
          file,
          [
            `server_name: n${i + 1}`,
            `http: "127.0.0.1:${monitorPorts[i]}"`,
            'cluster {',
            `  name: ${name}`,
            `  listen: "127.0.0.1:${port}"`,
            `  routes: [${routes.map((r) => JSON.stringify(r)).join(', ')}]`,
            '}',
            '',
          ].join('\n'),
        );
        return NatsServer.start({
          configFile: file,
          binary: opts.binary,
          startTimeoutMs: opts.startTimeoutMs,
        });
      });
      const settled = await Promise.allSettled(starting);
      for (const s of settled) if (s.status === 'fulfilled') nodes.push(s.value);
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const cluster = new NatsCluster(nodes, monitorPorts, confDir);
      await cluster.waitForJetStream(opts.startTimeoutMs ?? 30_000);
      await cluster.waitForPlacement(opts.startTimeoutMs ?? 30_000);
      return cluster;
    } catch (e) {
      for (const node of nodes) await node.stop();
      confDir.remove();
      throw e;
    }
  }

  /** Every server's URL, separated by commas: what NATS_URL holds for a cluster. */
  get url(): string {
    return this.urls.join(',');
  }

  get urls(): string[] {
    return this.nodes.map((s) => s.url);
  }

  /**
   * Waits until JetStream answers through every running node (a meta leader
   * is elected and the node knows it): streams can then be created.
   */
  async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    for (const node of this.nodes.filter((s) => s.running)) {
      await waitFor(
        async () => {
          const nc = await connect({ servers: node.url, reconnect: false, timeout: 1000 });
          try {
            const jsm = await jetstreamManager(nc, { timeout: 1000 });
            await jsm.getAccountInfo();
            return true;
          } finally {
            await nc.close();
          }
        },
        `JetStream to answer through ${node.url}`,
        timeoutMs,
        100,
      );
    }
  }

  /**
   * Waits until a stream with one replica on every node can be placed: the meta
   * leader learns each server's JetStream resources a little after electing
   * itself, and refuses placement ("no suitable peers") until then.
   */
  private async waitForPlacement(timeoutMs: number): Promise<void> {
    const nc = await connect({ servers: this.urls, timeout: 1000 });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2000 });
      const name = 'ZTSDB_TEST_PLACEMENT';
      await waitFor(
        async () => {
          await jsm.streams.add({ name, subjects: [], num_replicas: this.nodes.length });
          return true;
        },
        `a stream with ${this.nodes.length} replicas to be placed`,
        timeoutMs,
        200,
      );
      await jsm.streams.delete(name);
    } finally {
      await nc.close();
    }
  }

  /** Crashes node `i` (SIGKILL by PID); its store stays for `restart(i)`. */
  async kill(i: number): Promise<void> {
    await this.node(i).halt('SIGKILL');
  }

  /** Starts node `i` again on its ports with its store; it rejoins the cluster and catches up. */
  async restart(i: number): Promise<void> {
    await this.node(i).resume();
  }

  /**
   * Index of the node that holds a client connection named `clientName`
   * (asked of each running node's /connz), or undefined.
   */
  async nodeOfClient(clientName: string): Promise<number | undefined> {
    for (let i = 0; i < this.nodes.length; i++) {
      if (!this.nodes[i]!.running) continue;
      const res = await fetch(`http://127.0.0.1:${this.monitorPorts[i]}/connz?limit=1024`);
      const body = (await res.json()) as { connections?: ConnzEntry[] };
      if ((body.connections ?? []).some((c) => c.name === clientName)) return i;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) await node.stop();
    this.confDir.remove();
  }

  private node(i: number): NatsServer {
    const node = this.nodes[i];
    if (!node) throw new Error(`no node ${i} in a cluster of ${this.nodes.length}`);
    return node;
  }
}
