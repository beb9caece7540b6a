import { Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { PlatformModule } from '@ztsdb/platform';
import { HttpController } from './http.controller';
import { NatsQueryResponder } from './nats-query.responder';
import { QueryService } from './query.service';
import { WebUiController } from './web-ui/web-ui.controller';
import { ClusterStatusController } from './cluster-status/cluster-status.controller';

@Module({})
export class QueryModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: QueryModule,
      imports: [PlatformModule.forService('query', settings)],
      controllers: [HttpController, WebUiController, ClusterStatusController],
      providers: [QueryService, NatsQueryResponder],
    };
  }
}
