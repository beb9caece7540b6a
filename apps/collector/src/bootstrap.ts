import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { ServiceLogger } from '@ztsdb/platform';
import { CollectorModule } from './collector.module';

export async function bootstrapCollector(settings: Settings): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(CollectorModule.forRoot(settings), {
    logger: new ServiceLogger(settings.ZTSDB_LOG_LEVEL),
  });
  await app.init();
  return app;
}
