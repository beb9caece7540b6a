import { Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { PlatformModule } from '@ztsdb/platform';
import { IngestorService } from './ingestor.service';
import { MetricsServer } from './metrics-server';

@Module({})
export class IngestorModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: IngestorModule,
      imports: [PlatformModule.forService('ingestor', settings)],
      providers: [IngestorService, MetricsServer],
    };
  }
}
