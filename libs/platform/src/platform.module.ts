import { Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { NatsClient } from './nats-client';
import { SERVICE_NAME, SETTINGS } from './tokens';

/** Settings and the NATS connection, shared by every provider of one service. */
@Module({})
export class PlatformModule {
  static forService(name: string, settings: Settings): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      providers: [
        { provide: SETTINGS, useValue: settings },
        { provide: SERVICE_NAME, useValue: name },
        {
          provide: NatsClient,
          inject: [SETTINGS, SERVICE_NAME],
          useFactory: (s: Settings, n: string) => new NatsClient(s, n).init(),
        },
      ],
      exports: [SETTINGS, SERVICE_NAME, NatsClient],
    };
  }
}
