import { Logger } from '@nestjs/common';
import type { MetricSource } from '@ztsdb/model';
import type { Settings } from '@ztsdb/config';
import { SyntheticSource } from '@ztsdb/synthetic';

/**
 * Picks the metric source from ZTSDB_SOURCE. The kernel sources (eBPF,
 * cgroupfs) plug in here; `auto` falls back to the synthetic source while
 * neither is available in this build.
 */
export async function createMetricSource(settings: Settings): Promise<MetricSource> {
  const log = new Logger('collector');
  switch (settings.ZTSDB_SOURCE) {
    case 'synthetic':
      return new SyntheticSource(settings.ZTSDB_SYNTHETIC_CONTAINERS, 1, settings.ZTSDB_HOST);
    case 'auto':
      log.log('no kernel metric source in this build; using the synthetic source');
      return new SyntheticSource(settings.ZTSDB_SYNTHETIC_CONTAINERS, 1, settings.ZTSDB_HOST);
    default:
      throw new Error(`ZTSDB_SOURCE=${settings.ZTSDB_SOURCE} is not available in this build; use auto or synthetic`);
  }
}
