import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encodeChunk } from '@ztsdb/chunkenc';
import { chunksSubject, ensureTopology, resolvePartitions, STREAM_CHUNKS } from '@ztsdb/bus';
import { partitionOf } from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { FileCatalog, ManifestFollower } from '@ztsdb/manifest';
import { chunkMessageId, encodeChunkMessage } from '@ztsdb/wire';
import { Compactor } from '../../apps/compactor/src/compactor';
import type { CompactorOptions } from '../../apps/compactor/src/compactor-options';
import { COMPACTOR_CONSUMER } from '../../apps/compactor/src/warm-sink';

export const PARTITIONS = 4;

/** A real nats-server, a connection and a data dir for compactor tests; `close()` removes all. */
export class CompactorTestBed {
  readonly logs: string[] = [];
  private readonly running = new Set<Compactor>();

  private constructor(
    readonly server: NatsServer,
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly dataDir: string,
    private readonly removeDir: () => void,
  ) {}

  static async start(dataDir?: string): Promise<CompactorTestBed> {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    await resolvePartitions((await ensureTopology(nc)).config, PARTITIONS);
    const dir = dataDir ? { path: dataDir, remove: () => undefined } : tempDir('ztsdb-compactor-');
    return new CompactorTestBed(server, nc, jetstream(nc), dir.path, dir.remove);
  }

  options(over: Partial<CompactorOptions> = {}): CompactorOptions {
    return {
      dataDir: this.dataDir,
      partitions: PARTITIONS,
      coldAfterMs: 3600_000,
      coldWindowMs: 3600_000,
      retentionMs: 365 * 24 * 3600_000,
      graceMs: 60_000,
      intervalMs: 3600_000,
      flushMs: 50,
      batchChunks: 100,
      mergeFiles: 8,
      log: (m) => this.logs.push(m),
      warn: (m) => this.logs.push(`WARN ${m}`),
      ...over,
    };
  }

  async startCompactor(over: Partial<CompactorOptions> = {}): Promise<Compactor> {
    const c = new Compactor(this.nc, this.js, this.options(over));
    await c.start();
    this.running.add(c);
    return c;
  }

  async stopCompactor(c: Compactor): Promise<void> {
    await c.stop();
    this.running.delete(c);
  }

  /** Publishes `count` chunks of 10 points for series ids from `firstSeries`; returns their stream seqs. */
  async publishChunks(firstSeries: number, count: number, t0 = 1_760_000_000_000): Promise<void> {
    const ts = Float64Array.from({ length: 10 }, (_, i) => t0 + i * 1000);
    const vs = Float64Array.from({ length: 10 }, (_, i) => i + firstSeries);
    for (let s = firstSeries; s < firstSeries + count; s++) {
      const id = (BigInt(s + 1) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
      const m = {
        partition: partitionOf(id, PARTITIONS),
        seriesId: id,
        minT: t0,
        maxT: t0 + 9000,
        count: 10,
        chunk: encodeChunk(ts, vs),
      };
      await this.js.publish(chunksSubject(m.partition), encodeChunkMessage(m), {
        msgID: chunkMessageId(m),
      });
    }
  }

  /** Waits until the compactor's consumer has acknowledged everything in the chunks stream. */
  async waitAllAcked(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await waitFor(
      async () => {
        const last = (await jsm.streams.info(STREAM_CHUNKS)).state.last_seq;
        const info = await jsm.consumers.info(STREAM_CHUNKS, COMPACTOR_CONSUMER);
        return (
          info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= last
        );
      },
      'the compactor to acknowledge every chunk',
      20_000,
    );
  }

  /** The manifest replayed into a fresh catalog. */
  async catalog(): Promise<FileCatalog> {
    const c = new FileCatalog({ partitions: PARTITIONS });
    await new ManifestFollower(this.js, { follow: false, catalog: c }).start();
    return c;
  }

  /** Warm and cold files on disk, relative to the data dir. */
  filesOnDisk(): string[] {
    const out: string[] = [];
    for (const tier of ['warm', 'cold']) {
      const t = path.join(this.dataDir, tier);
      if (!fs.existsSync(t)) continue;
      for (const p of fs.readdirSync(t))
        for (const f of fs.readdirSync(path.join(t, p))) out.push(`${tier}/${p}/${f}`);
    }
    return out.sort();
  }

  async close(): Promise<void> {
    for (const c of this.running) await c.stop().catch(() => undefined);
    await this.nc?.close().catch(() => undefined);
    await this.server?.stop();
    this.removeDir();
  }
}
