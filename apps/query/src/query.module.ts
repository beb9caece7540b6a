import { Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { PlatformModule } from '@ztsdb/platform';
import { HttpController } from './http.controller';
import { NatsQueryController } from './nats-query.controller';
import { QueryService } from './query.service';

@Module({})
export class QueryModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: QueryModule,
      imports: [PlatformModule.forService('query', settings)],
      controllers: [HttpController, NatsQueryController],
      providers: [QueryService],
    };
  }
}
