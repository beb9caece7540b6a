import { Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { PlatformModule } from '@ztsdb/platform';
import { HttpController } from './http.controller';
import { ReceiverService } from './ingest/receiver.service';
import { NatsQueryController } from './nats-query.controller';
import { QueryService } from './query.service';
import { WebUiController } from './web-ui/web-ui.controller';
import { ClusterStatusController } from './cluster-status/cluster-status.controller';

@Module({})
export class QueryModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: QueryModule,
      imports: [PlatformModule.forService('query', settings)],
      controllers: [HttpController, NatsQueryController, WebUiController, ClusterStatusController],
      providers: [QueryService, ReceiverService],
    };
  }
}
