import { Logger } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import type { MetricSource } from '@ztsdb/model';
import { selectMetricSource } from './source-selection';

/**
 * The collector's metric source for ZTSDB_SOURCE (auto: eBPF when permitted, else
 * cgroupfs, else synthetic; see selectMetricSource), logging its choice once.
 */
export async function createMetricSource(settings: Settings): Promise<MetricSource> {
  return selectMetricSource(settings, new Logger('collector'));
}
