import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  connectWithRetry,
  ensureTopology,
  manifestSubject,
  samplesSubject,
  STREAM_MANIFEST,
  STREAM_SAMPLES,
} from '@ztsdb/bus';
import { NatsServer, tempDir } from '@ztsdb/testing';
import { connectAs, envOf, violation, writeNatsConfig, type Role } from './nats-users';

describe('ztsdb nats-config: a nats-server with one least-privilege user per service', () => {
  const dir = tempDir('ztsdb-natsconf-');
  let server: NatsServer;
  const conns = new Map<Role, NatsConnection>();
  const as = (r: Role): NatsConnection => conns.get(r)!;

  beforeAll(async () => {
    const conf = writeNatsConfig(dir.path);
    server = await NatsServer.start({ configFile: conf });
    for (const r of ['collector', 'ingestor', 'compactor', 'query', 'client'] as const)
      conns.set(r, await connectAs(server.url, dir.path, r));
    // The first service to start creates the streams and buckets and records the partitions.
    await ensureTopology(as('compactor'));
  });

  afterAll(async () => {
    for (const nc of conns.values()) await nc.close();
    await server?.stop();
    dir.remove();
  });

  it('writes the configuration and every env file readable by the owner only', () => {
    for (const f of ['nats-server.conf', ...['collector', 'client', 'all'].map((r) => `${r}.env`)])
      expect(statSync(join(dir.path, f)).mode & 0o777).toBe(0o600);
    const env = envOf(dir.path, 'collector');
    expect(env.NATS_USER).toBe('ztsdb-collector');
    expect(env.NATS_PASSWORD!.length).toBeGreaterThanOrEqual(40);
    expect(env.NATS_INBOX_PREFIX).toBe('_INBOX_ztsdb-collector');
  });

  it('keeps the passwords when written again, and changes them with --rotate', () => {
    const before = envOf(dir.path, 'query').NATS_PASSWORD;
    writeNatsConfig(dir.path);
    expect(envOf(dir.path, 'query').NATS_PASSWORD).toBe(before);
    const other = tempDir('ztsdb-natsconf-rotate-');
    try {
      writeNatsConfig(other.path);
      const first = envOf(other.path, 'query').NATS_PASSWORD;
      writeNatsConfig(other.path, ['--rotate']);
      expect(envOf(other.path, 'query').NATS_PASSWORD).not.toBe(first);
    } finally {
      other.remove();
    }
  });

  it('refuses a client without credentials or with a wrong password, never printing it', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(
      /authorization/i,
    );
    const wrong = `nats://ztsdb-client:not-the-password-1234@127.0.0.1:${server.port}`;
    const err = await connectWithRetry({ url: wrong, name: 't', initialTimeoutMs: 2000 }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).toMatch(/refused the credentials/);
    expect((err as Error).message).toContain('ztsdb-client:***@');
    expect((err as Error).message).not.toContain('not-the-password-1234');
    expect(server.log()).not.toContain('not-the-password-1234');
  });

  it('accepts credentials given in the URL', async () => {
    const env = envOf(dir.path, 'client');
    const url = `nats://${env.NATS_USER}:${env.NATS_PASSWORD}@127.0.0.1:${server.port}`;
    const nc = await connectWithRetry({
      url,
      name: 't',
      auth: { NATS_INBOX_PREFIX: env.NATS_INBOX_PREFIX },
    });
    await nc.flush();
    await nc.close();
  });

  it('lets the collector publish samples and register series, and nothing else', async () => {
    const nc = as('collector');
    const ack = await jetstream(nc).publish(samplesSubject(0), new Uint8Array([1]));
    expect(ack.stream).toBe(STREAM_SAMPLES);
    const topo = await ensureTopology(nc);
    await topo.series.put('00000000000000aa', '{}');
    // A forged manifest event never reaches the stream.
    await expect(
      jetstream(nc).publish(manifestSubject(0), new Uint8Array([1]), { timeout: 2000 }),
    ).rejects.toThrow(/permission/i);
    expect(await violation(nc, () => nc.publish('ztsdb.manifest.p.0', 'forged'))).toMatch(
      /ztsdb\.manifest\.p\.0/,
    );
    expect(await violation(nc, () => nc.publish('ztsdb.chunks.p.0', 'x'))).toMatch(/chunks/);
    expect(await violation(nc, () => nc.publish('$KV.ztsdb_leases.p.0', 'x'))).toMatch(/leases/);
    expect(await violation(nc, () => nc.subscribe('ztsdb.hot.p.0'))).toMatch(/hot/);
    expect(await violation(nc, () => nc.subscribe('ztsdb.query'))).toMatch(/ztsdb\.query/);
    expect(await violation(nc, () => nc.subscribe('ztsdb.samples.p.0'))).toMatch(/samples/);
    const info = await jetstreamManager(as('compactor')).then((m) =>
      m.streams.info(STREAM_MANIFEST),
    );
    expect(info.state.messages).toBe(0);
  });

  it('lets only the compactor publish manifest events', async () => {
    const ack = await jetstream(as('compactor')).publish(manifestSubject(1), new Uint8Array([1]));
    expect(ack.stream).toBe(STREAM_MANIFEST);
    for (const r of ['ingestor', 'query', 'client'] as const)
      expect(await violation(as(r), () => as(r).publish(manifestSubject(0), 'forged'))).toMatch(
        /manifest/,
      );
    // Catalog snapshots make older events redundant: only the compactor may purge them.
    const mine = await jetstreamManager(as('compactor'));
    await mine.streams.purge(STREAM_MANIFEST, { filter: manifestSubject(1), seq: ack.seq });
    const theirs = await jetstreamManager(as('query'));
    await expect(
      theirs.streams.purge(STREAM_MANIFEST, { filter: manifestSubject(1), seq: ack.seq + 1 }),
    ).rejects.toThrow(/permission/i);
  });

  it('lets only ingestors answer ztsdb.hot.p.<n>, with replies of many parts', async () => {
    for (const r of ['collector', 'compactor', 'query', 'client'] as const)
      expect(await violation(as(r), () => as(r).subscribe('ztsdb.hot.p.0'))).toMatch(/hot/);
    const owner = as('ingestor').subscribe('ztsdb.hot.p.0', {
      callback: (_e, m) => {
        for (let i = 0; i < 5; i++) m.respond(`part ${i}`);
      },
    });
    await as('ingestor').flush();
    const parts = await as('query').requestMany('ztsdb.hot.p.0', '{}', {
      maxMessages: 5,
      maxWait: 3000,
    });
    const got: string[] = [];
    for await (const m of parts) got.push(m.string());
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => `part ${i}`));
    owner.unsubscribe();
    // The client may not ask for hot data directly either.
    expect(
      await violation(as('client'), () => as('client').publish('ztsdb.hot.p.0', '{}')),
    ).toMatch(/hot/);
  });

  it('lets only query services answer ztsdb.query, and clients only ask', async () => {
    for (const r of ['client', 'collector', 'ingestor', 'compactor'] as const) {
      expect(
        await violation(as(r), () => as(r).subscribe('ztsdb.query', { queue: 'ztsdb-query' })),
      ).toMatch(/ztsdb\.query/);
    }
    const responder = as('query').subscribe('ztsdb.query', {
      queue: 'ztsdb-query',
      callback: (_e, m) => void m.respond('{"answer":"query service"}'),
    });
    await as('query').flush();
    for (let i = 0; i < 10; i++) {
      const r = await as('client').request('ztsdb.query', '{}', { timeout: 2000 });
      expect(r.json()).toEqual({ answer: 'query service' });
    }
    responder.unsubscribe();
    // A query service may not publish on the subject itself (only answer requests).
    expect(await violation(as('query'), () => as('query').publish('ztsdb.query', '{}'))).toMatch(
      /ztsdb\.query/,
    );
  });

  it("keeps each user's replies to itself", async () => {
    const c = as('client');
    for (const other of ['_INBOX_ztsdb-query.>', '_INBOX.>', '>', '_INBOX_ztsdb-all.>'])
      expect(await violation(c, () => c.subscribe(other))).toMatch(/subscription/i);
    expect(
      await violation(as('query'), () => as('query').subscribe('_INBOX_ztsdb-client.>')),
    ).toMatch(/_INBOX_ztsdb-client/);
  });

  it('lets the client import samples but not administer streams or forge data', async () => {
    const c = as('client');
    const ack = await jetstream(c).publish(samplesSubject(2), new Uint8Array([2]));
    expect(ack.stream).toBe(STREAM_SAMPLES);
    const jsm = await jetstreamManager(c);
    await expect(jsm.streams.delete(STREAM_SAMPLES)).rejects.toThrow(/permission/i);
    await expect(jsm.streams.purge(STREAM_MANIFEST)).rejects.toThrow(/permission/i);
    expect(await violation(c, () => c.publish('ztsdb.chunks.p.0', 'x'))).toMatch(/chunks/);
    expect(await violation(c, () => c.publish('$KV.ztsdb_config.checkpoint.p0', 'x'))).toMatch(
      /checkpoint/,
    );
    expect(await violation(c, () => c.publish('$JS.ACK.ZTSDB_SAMPLES.x.1.1.1.1.1.1', ''))).toMatch(
      /ACK/,
    );
  });

  it('keeps the ingestor off the manifest and the series registry', async () => {
    const i = as('ingestor');
    expect(await violation(i, () => i.publish('$KV.ztsdb_series.00000000000000aa', '{}'))).toMatch(
      /ztsdb_series/,
    );
    const compactorOnly = await jetstreamManager(i);
    await expect(compactorOnly.streams.delete(STREAM_MANIFEST)).rejects.toThrow(/permission/i);
  });

  it('logs the violations it refused, without any password', () => {
    const log = server.log();
    expect(log).toMatch(/Publish Violation/);
    expect(log).toMatch(/Subscription Violation/);
    const passwords = ['collector', 'ingestor', 'compactor', 'query', 'client', 'all'].map(
      (r) => envOf(dir.path, r as Role).NATS_PASSWORD!,
    );
    for (const p of passwords) expect(log).not.toContain(p);
    expect(readFileSync(join(dir.path, 'nats-server.conf'), 'utf8')).toContain(passwords[0]!);
  });
});
