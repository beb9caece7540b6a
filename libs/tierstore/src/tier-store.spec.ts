import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { crc32c } from '@ztsdb/checksum';
import { NatsServer, tempDir } from '@ztsdb/testing';
import { TIERSTORE_ERROR_CODES } from './errors';
import { TIERS_STREAM } from './tier-bucket';
import { TierStore } from './tier-store';

describe('TierStore (real nats-server object store)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const writer = tempDir('ztsdb-tierstore-w-');
  const reader = tempDir('ztsdb-tierstore-r-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
    writer.remove();
    reader.remove();
  });

  it('puts a file into ztsdb_tiers, another host fetches it into its cache, removal deletes it', async () => {
    const opts = { cacheBytes: 1 << 20, replicas: 1, warn: () => undefined };
    const w = await TierStore.open(nc, { ...opts, dataDir: writer.path });
    const r = await TierStore.open(nc, { ...opts, dataDir: reader.path });
    const info = await (await jetstreamManager(nc)).streams.info(TIERS_STREAM);
    expect(info.config.num_replicas).toBe(1);

    // Larger than one object chunk (128 KiB), so it travels in pieces.
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
    const file = 'cold/p1/w0-g3.cold';
    fs.mkdirSync(path.join(writer.path, 'cold/p1'), { recursive: true });
    fs.writeFileSync(path.join(writer.path, file), bytes);
    const object = await w.upload(file, crc32c(bytes));
    expect(object).toBe(`${file}@${crc32c(bytes).toString(16).padStart(8, '0')}`);
    const ref = { file, object, bytes: bytes.length, crc32c: crc32c(bytes) };

    expect(await w.ensure(ref)).toBe(path.join(writer.path, file));
    const fetched = await r.ensure(ref);
    expect(fetched).toBe(path.join(reader.path, 'cache', file));
    expect(new Uint8Array(fs.readFileSync(fetched))).toEqual(bytes);

    await w.remove(ref);
    r.cache.drop(file);
    await expect(r.ensure(ref)).rejects.toMatchObject({
      code: TIERSTORE_ERROR_CODES.objectMissing,
    });
  });
});
