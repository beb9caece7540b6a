import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { serviceNestOptions } from '@ztsdb/logging';
import { CollectorModule } from './collector.module';

export async function bootstrapCollector(settings: Settings): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(CollectorModule.forRoot(settings), {
    ...serviceNestOptions(settings),
  });
  await app.init();
  return app;
}
