import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';

export type ServiceName = 'collector' | 'ingestor' | 'compactor' | 'query';

/** Services in start order: consumers before producers, so nothing waits unanswered. */
export const ALL_SERVICES: ServiceName[] = ['ingestor', 'compactor', 'query', 'collector'];

/**
 * Loads only the app that is started: `ztsdb query` does not load the collector's libbpf
 * bindings or the ingestor's LMDB, each of which costs memory in every process that loads it.
 */
export async function startService(
  name: ServiceName,
  settings: Settings,
): Promise<INestApplicationContext> {
  switch (name) {
    case 'collector':
      return (await import('../../collector/src/bootstrap')).bootstrapCollector(settings);
    case 'ingestor':
      return (await import('../../ingestor/src/bootstrap')).bootstrapIngestor(settings);
    case 'query':
      return (await import('../../query/src/bootstrap')).bootstrapQuery(settings);
    case 'compactor':
      return (await import('../../compactor/src/bootstrap')).bootstrapCompactor(settings);
  }
}
