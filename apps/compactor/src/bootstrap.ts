import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { serviceNestOptions } from '@ztsdb/logging';
import { CompactorModule } from './compactor.module';

export async function bootstrapCompactor(settings: Settings): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(CompactorModule.forRoot(settings), {
    ...serviceNestOptions(settings),
  });
  await app.init();
  return app;
}
