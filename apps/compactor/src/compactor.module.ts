import { Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { PlatformModule } from '@ztsdb/platform';
import { CompactorEndpoints } from './compactor-endpoints';
import { CompactorService } from './compactor.service';

@Module({})
export class CompactorModule {
  static forRoot(settings: Settings): DynamicModule {
    return {
      module: CompactorModule,
      imports: [PlatformModule.forService('compactor', settings)],
      providers: [CompactorService, CompactorEndpoints],
    };
  }
}
