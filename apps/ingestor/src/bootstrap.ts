import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { serviceNestOptions } from '@ztsdb/logging';
import { IngestorModule } from './ingestor.module';

export async function bootstrapIngestor(settings: Settings): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(IngestorModule.forRoot(settings), {
    ...serviceNestOptions(settings),
  });
  await app.init();
  return app;
}
