import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { ServiceLogger } from '@ztsdb/platform';
import { IngestorModule } from './ingestor.module';

export async function bootstrapIngestor(settings: Settings): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(IngestorModule.forRoot(settings), {
    logger: new ServiceLogger(settings.ZTSDB_LOG_LEVEL),
  });
  await app.init();
  return app;
}
