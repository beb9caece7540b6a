import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { ServiceLogger } from '@ztsdb/platform';
import { CompactorModule } from './compactor.module';

export async function bootstrapCompactor(settings: Settings): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(CompactorModule.forRoot(settings), {
    logger: new ServiceLogger(settings.ZTSDB_LOG_LEVEL),
  });
  await app.init();
  return app;
}
