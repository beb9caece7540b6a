import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KV_SERIES } from '@ztsdb/bus';
import { decodeSeriesEntry, seriesLabels } from '@ztsdb/model';
import { NatsServer } from '@ztsdb/testing';
import { JetStreamAcks, kvCreate } from './jetstream-acks';
import { SeriesRegistrar } from './series-registrar';

describe('SeriesRegistrar against a real nats-server', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it.each(['kv.create', 'kvCreate through JetStreamAcks'])(
    'with keepExisting (%s), creates new entries, keeps real ones and writes over empty or deleted ones',
    async (how) => {
      const bucket = how === 'kv.create' ? 'keep_existing_test' : 'keep_existing_acks';
      const kv = await new Kvm(nc).create(bucket, { history: 1 });
      const acks = how === 'kv.create' ? undefined : new JetStreamAcks(nc);
      // An entry in the old JSON form (version 1) is a real one too.
      await kv.put(
        '00000000000000a1',
        JSON.stringify({
          id: '00000000000000a1',
          name: 'collector.said.so',
          labels: {},
          active: true,
          updatedMs: 1,
        }),
      );
      await kv.put('00000000000000a2', '');
      await kv.put('00000000000000a3', 'x');
      await kv.delete('00000000000000a3');
      const warnings: string[] = [];
      const r = new SeriesRegistrar(kv, {
        refreshMs: 60_000,
        keepExisting: true,
        create: acks && kvCreate(acks, bucket),
        warn: (m) => void warnings.push(m),
      });
      for (const id of [0xa0n, 0xa1n, 0xa2n, 0xa3n])
        r.note(`m.${id}`, id, { __name__: 'm', container_id: `${id}` }, 5);
      expect(await r.flush()).toBe(true);
      expect(warnings).toEqual([]);
      expect(r.created).toBe(3);
      const name = async (k: string) => decodeSeriesEntry(k, (await kv.get(k))!.value).name;
      expect(await name('00000000000000a0')).toBe('m.160');
      expect(await name('00000000000000a1')).toBe('collector.said.so');
      expect(await name('00000000000000a2')).toBe('m.162');
      expect(await name('00000000000000a3')).toBe('m.163');
      acks?.close();
    },
  );

  it('registers its series again once their keys are gone (bucket deleted)', async () => {
    const open = () => new Kvm(nc).create(KV_SERIES, { history: 1 });
    let t = 0;
    const warnings: string[] = [];
    const warn = (m: string): number => warnings.push(m);
    const r = new SeriesRegistrar(await open(), { refreshMs: 1000, reopen: open, warn }, () => t);
    const container = { id: 'abcdef012345', name: 'web-1' };
    r.note(
      'container.cpu.usage.abcdef012345',
      1n,
      seriesLabels('container.cpu.usage', container),
      5,
    );
    r.note(
      'container.memory.bytes.abcdef012345',
      2n,
      () => seriesLabels('container.memory.bytes', container),
      5,
    );
    await r.flush();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(`KV_${KV_SERIES}`);

    t = 999;
    await r.flush(); // not yet time to look
    await expect(jsm.streams.info(`KV_${KV_SERIES}`)).rejects.toThrow(/not found/);
    t = 1000;
    await r.flush();
    const kv = await new Kvm(nc).open(KV_SERIES);
    const e = decodeSeriesEntry('0000000000000001', (await kv.get('0000000000000001'))!.value);
    expect(e?.name).toBe('container.cpu.usage.abcdef012345');
    expect(e?.labels).toMatchObject({ container_name: 'web-1', container_id: 'abcdef012345' });
    expect((await kv.status()).values).toBe(2);
    expect(warnings).toEqual([
      'registered 2 series again: their keys were gone from KV ztsdb_series',
    ]);
    t = 2000;
    expect(await r.refresh()).toBe(0); // nothing gone, nothing written
  });

  it('registers a series again when its container gets a name and image after the first tick', async () => {
    const kv = await new Kvm(nc).create(`${KV_SERIES}_late`, { history: 1 });
    const r = new SeriesRegistrar(kv, { refreshMs: 60_000, warn: () => 0 }, () => 0);
    const container: { id: string; runtime: 'docker'; name?: string; image?: string } = {
      id: '0123456789ab',
      runtime: 'docker',
    };
    const name = 'container.cpu.usage.0123456789ab';
    const labels = () => seriesLabels('container.cpu.usage', container);
    r.note(name, 7n, labels, 1);
    await r.flush();
    expect(r.labelsBehind(7n, container)).toBe(false);
    const entry = async () =>
      decodeSeriesEntry('0000000000000007', (await kv.get('0000000000000007'))!.value);
    expect((await entry()).labels.container_name).toBeUndefined();
    // Written in the compact form (docs/format/series-entry.md, version 2), not as JSON.
    const stored = (await kv.get('0000000000000007'))!.value;
    expect(stored[0]).toBe(2);
    expect(stored.length).toBeLessThan(JSON.stringify(await entry()).length / 2);
    // The runtime's answer fills the shared object in place.
    container.name = 'web-1';
    container.image = 'nginx:1.27';
    expect(r.labelsBehind(7n, container)).toBe(true);
    r.update(name, 7n, labels(), 2);
    await r.flush();
    expect(r.labelsBehind(7n, container)).toBe(false);
    expect((await entry()).labels).toMatchObject({ container_name: 'web-1', image: 'nginx:1.27' });
    // Nothing new: nothing written.
    const rev = (await kv.get('0000000000000007'))!.revision;
    r.note(name, 7n, labels, 3);
    await r.flush();
    expect((await kv.get('0000000000000007'))!.revision).toBe(rev);
  });
});
