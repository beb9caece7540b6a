import { Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { PlatformModule } from '@ztsdb/platform';
import { CollectorEndpoints } from './collector-endpoints';
import { CollectorService } from './collector.service';

@Module({})
export class CollectorModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: CollectorModule,
      imports: [PlatformModule.forService('collector', settings)],
      providers: [CollectorService, CollectorEndpoints],
    };
  }
}
