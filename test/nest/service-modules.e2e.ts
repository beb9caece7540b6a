import { join } from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadSettings, type Settings } from '@ztsdb/config';
import { NatsClient } from '@ztsdb/platform';
import { NatsServer, tempDir } from '@ztsdb/testing';
import { CollectorModule } from '../../apps/collector/src/collector.module';
import { CollectorService } from '../../apps/collector/src/collector.service';
import { CompactorModule } from '../../apps/compactor/src/compactor.module';
import { CompactorService } from '../../apps/compactor/src/compactor.service';
import { IngestorModule } from '../../apps/ingestor/src/ingestor.module';
import { IngestorService } from '../../apps/ingestor/src/ingestor.service';
import { QueryModule } from '../../apps/query/src/query.module';
import { QueryService } from '../../apps/query/src/query.service';

/**
 * Every service's Nest module compiles in this process (`@nestjs/testing`)
 * against a real nats-server: the dependency graph resolves, the service is
 * injectable, and the shared NATS connection is open with the topology in
 * place. (Booting and answering is the business of each service's own tests;
 * test/query/query-microservice.e2e.ts serves ztsdb.query this way.)
 */
describe('service modules compile and inject', () => {
  const dir = tempDir('ztsdb-nest-modules-');
  let server: NatsServer;
  let settings: Settings;

  beforeAll(async () => {
    server = await NatsServer.start();
    settings = loadSettings({
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: join(dir.path, 'data'),
      ZTSDB_PARTITIONS: '2',
      ZTSDB_LOG_LEVEL: 'warn',
    });
  });

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  const cases: Array<[string, (s: Settings) => DynamicModule, Type<unknown>]> = [
    ['collector', (s) => CollectorModule.forRoot(s), CollectorService],
    ['ingestor', (s) => IngestorModule.forRoot(s), IngestorService],
    ['compactor', (s) => CompactorModule.forRoot(s), CompactorService],
    ['query', (s) => QueryModule.forRoot(s), QueryService],
  ];

  it.each(cases)('%s', async (_name, forRoot, service) => {
    const moduleRef = await Test.createTestingModule({ imports: [forRoot(settings)] }).compile();
    try {
      expect(moduleRef.get(service)).toBeInstanceOf(service);
      const nats = moduleRef.get(NatsClient);
      expect(nats.nc.isClosed()).toBe(false);
      expect(nats.partitions).toBe(2);
    } finally {
      await moduleRef.close();
    }
    expect(moduleRef.get(NatsClient).nc.isClosed()).toBe(true);
  });
});
