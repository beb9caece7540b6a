import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { bootstrapCollector } from '../../collector/src/bootstrap';
import { bootstrapCompactor } from '../../compactor/src/bootstrap';
import { bootstrapIngestor } from '../../ingestor/src/bootstrap';
import { bootstrapQuery } from '../../query/src/bootstrap';

export type ServiceName = 'collector' | 'ingestor' | 'compactor' | 'query';

/** Services in start order: consumers before producers, so nothing waits unanswered. */
export const ALL_SERVICES: ServiceName[] = ['ingestor', 'compactor', 'query', 'collector'];

export async function startService(
  name: ServiceName,
  settings: Settings,
): Promise<INestApplicationContext> {
  switch (name) {
    case 'collector':
      return bootstrapCollector(settings);
    case 'ingestor':
      return bootstrapIngestor(settings);
    case 'query':
      return bootstrapQuery(settings);
    case 'compactor':
      return bootstrapCompactor(settings);
  }
}
