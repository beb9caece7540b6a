import { Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { PlatformModule } from '@ztsdb/platform';
import { HttpController } from './http.controller';
import { ReceiverService } from './ingest/receiver.service';
import { NatsQueryResponder } from './nats-query.responder';
import { QueryService } from './query.service';

@Module({})
export class QueryModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: QueryModule,
      imports: [PlatformModule.forService('query', settings)],
      controllers: [HttpController],
      providers: [QueryService, NatsQueryResponder, ReceiverService],
    };
  }
}
