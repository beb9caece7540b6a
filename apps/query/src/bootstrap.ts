import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { ServiceLogger } from '@ztsdb/platform';
import { QueryModule } from './query.module';

export async function bootstrapQuery(settings: Settings): Promise<INestApplication> {
  const app = await NestFactory.create(QueryModule.forRoot(settings), {
    logger: new ServiceLogger(settings.ZTSDB_LOG_LEVEL),
  });
  await app.listen(settings.httpPort, settings.httpHost);
  return app;
}
