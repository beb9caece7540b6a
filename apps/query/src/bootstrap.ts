import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { Express } from 'express';
import type { Settings } from '@ztsdb/config';
import { serviceNestOptions } from '@ztsdb/logging';
import { JsonErrorFilter, NatsClient } from '@ztsdb/platform';
import { bearerGuard, httpToken } from './http-auth';
import { ingestListener } from './ingest/ingest-listener';
import { ReceiverService } from './ingest/receiver.service';
import { queryNatsServer } from './nats-query.controller';
import { PromApi } from './prom-api/prom-api';
import { promListener } from './prom-api/prom-listener';
import { queryListener, type QueryStringParser } from './query-listener';
import { QueryModule } from './query.module';
import { QueryService } from './query.service';

/**
 * The query service: HTTP on ZTSDB_HTTP_ADDR and, in the same app (a Nest
 * hybrid application), `ztsdb.query` on NATS through JsonNatsServer over the
 * service's own connection.
 */
export async function bootstrapQuery(settings: Settings): Promise<INestApplication> {
  const app = await NestFactory.create(QueryModule.forRoot(settings), {
    ...serviceNestOptions(settings),
    httpsOptions: settings.ZTSDB_HTTP_TLS_CERT
      ? {
          cert: readFileSync(settings.ZTSDB_HTTP_TLS_CERT),
          key: readFileSync(settings.ZTSDB_HTTP_TLS_KEY),
        }
      : undefined,
  });
  app.useGlobalFilters(new JsonErrorFilter());
  const guard = bearerGuard(httpToken(settings));
  // GET /query and /api/v1/* ahead of Express on the server Nest made (and listens, closes and drains);
  // every other request goes to Express as before. The controller keeps the same route.
  const express = app.getHttpAdapter().getInstance() as Express;
  const server = app.getHttpServer() as Server;
  const fast = queryListener(app.get(QueryService), (raw) => {
    const parse = express.get('query parser fn') as QueryStringParser | undefined;
    return parse ? parse(raw) : {};
  });
  const prom = promListener(new PromApi(app.get(QueryService)));
  const ingest = ingestListener(app.get(ReceiverService), app.get(QueryService));
  const rest = server.listeners('request') as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (guard(req, res)) return;
    if (!fast(req, res) && !ingest(req, res) && !prom(req, res))
      for (const l of rest) l.call(server, req, res);
  });
  app.connectMicroservice({ strategy: queryNatsServer(() => app.get(NatsClient).nc) });
  await app.init();
  await app.startAllMicroservices();
  await app.listen(settings.httpPort, settings.httpHost);
  return app;
}
