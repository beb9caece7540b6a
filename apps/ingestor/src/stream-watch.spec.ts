import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_TOPOLOGY, ensureTopology, STREAM_SAMPLES } from '@ztsdb/bus';
import { NatsServer } from '@ztsdb/testing';
import { StreamWatch, type WatchedPartition } from './stream-watch';

/** A partition as the watch sees it, recording the resets it asks for. */
class Partition implements WatchedPartition {
  readonly resets: string[] = [];
  constructor(
    readonly partition: number,
    public streamId: string,
  ) {}
  get consumer(): string {
    return `stream-watch-spec-p${this.partition}`;
  }
  consuming(): boolean {
    return false;
  }
  reset(why: string): Promise<void> {
    this.resets.push(why);
    return Promise.resolve();
  }
}

describe('StreamWatch (real nats-server)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const lines: string[] = [];
  const log = {
    error: (l: string) => lines.push(`ERROR ${l}`),
    warn: (l: string) => lines.push(`WARN ${l}`),
    log: (l: string) => lines.push(l),
  };
  const exists = () =>
    jsm.streams.info(STREAM_SAMPLES).then(
      (i) => i.created,
      () => undefined,
    );

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    await ensureTopology(nc);
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  function watch(partitions: Partition[], recreateAfterMs: number): StreamWatch {
    return new StreamWatch(jsm, {
      intervalMs: 60_000, // the spec calls check() itself
      warnIntervalMs: 0,
      recreateAfterMs,
      recreate: async () => {
        await ensureTopology(nc, DEFAULT_TOPOLOGY);
      },
      partitions: () => partitions,
      log,
    });
  }

  it('re-creates a deleted stream only once it has been missing for recreateAfterMs', async () => {
    const was = (await exists())!;
    const p = new Partition(0, was);
    const w = watch([p], 1000);
    await w.check();
    expect(w.problem).toBe('');

    await jsm.streams.delete(STREAM_SAMPLES);
    const noticed = Date.now();
    await w.check();
    // Its deletion may still be removing files: not yet.
    expect(await exists()).toBeUndefined();
    expect(w.problem).toMatch(/is missing/);
    expect(lines.join('\n')).toMatch(
      /once it has been missing for 1000 ms \(ZTSDB_STREAM_RECREATE_AFTER\)/,
    );
    expect(p.resets).toEqual([]);

    // A later check within the delay (well within: a loaded machine may stall this one).
    while (Date.now() - noticed < 300) await new Promise((r) => setTimeout(r, 50));
    await w.check();
    expect(await exists()).toBeUndefined();

    // Checks go on until one re-creates it: not before the delay, and soon after it.
    let created: string | undefined;
    while (created === undefined && Date.now() - noticed < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      await w.check();
      created = await exists();
    }
    expect(created).toBeDefined();
    expect(Date.now() - noticed).toBeGreaterThanOrEqual(1000);
    expect(created).not.toBe(was);
    expect(w.problem).toBe('');
    expect(lines.join('\n')).toMatch(/re-created the samples stream/);
    expect(p.resets).toEqual([`the samples stream was re-created (created ${created})`]);
    await w.stop();
  });

  it('waits the whole delay again after a later deletion', async () => {
    const w = watch([], 300);
    await jsm.streams.delete(STREAM_SAMPLES);
    await w.check();
    await new Promise((r) => setTimeout(r, 350));
    await w.check();
    expect(await exists()).toBeDefined();

    // The stream was there at the last check: a new deletion starts a new wait.
    await jsm.streams.delete(STREAM_SAMPLES);
    await w.check();
    expect(await exists()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 350));
    await w.check();
    expect(await exists()).toBeDefined();
    await w.stop();
  });

  it('with recreateAfterMs 0 re-creates at the check that finds it missing', async () => {
    const w = watch([], 0);
    await jsm.streams.delete(STREAM_SAMPLES);
    await w.check();
    expect(await exists()).toBeDefined();
    expect(lines.join('\n')).not.toMatch(/once it has been missing/);
    await w.stop();
  });
});
