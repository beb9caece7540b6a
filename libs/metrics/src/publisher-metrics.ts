import type { Histogram } from 'prom-client';
import { LATENCY_BUCKETS } from './latency-buckets';
import { processMetrics, type Counter, type Gauge } from './registry';

/** A sample batch publisher's families (`ztsdb_<role>_published_batches_total`, …). */
export interface PublisherMetricFamilies {
  published: Counter;
  publishedPoints: Counter;
  dropped: Counter;
  droppedPoints: Counter;
  backlog: Gauge;
  publishSeconds: Histogram<string>;
}

const byRole = new Map<string, PublisherMetricFamilies>();

/**
 * The metrics of libs/producer's `BatchPublisher` for `role` (collector, receiver), one set per
 * role in the process. They live here, not in libs/producer, so that a command that serves no
 * metrics (`ztsdb import`) does not load prom-client.
 */
export function publisherMetrics(role: string): PublisherMetricFamilies {
  let m = byRole.get(role);
  if (!m) {
    const p = `ztsdb_${role}`;
    m = {
      published: processMetrics.counter(
        `${p}_published_batches_total`,
        'Sample batches acknowledged by JetStream.',
      ),
      publishedPoints: processMetrics.counter(
        `${p}_published_points_total`,
        'Points in acknowledged batches.',
      ),
      dropped: processMetrics.counter(
        `${p}_dropped_batches_total`,
        'Batches dropped because the backlog was full while NATS was unreachable.',
      ),
      droppedPoints: processMetrics.counter(
        `${p}_dropped_points_total`,
        'Points in dropped batches.',
      ),
      backlog: processMetrics.gauge(`${p}_backlog_batches`, 'Batches waiting to be acknowledged.'),
      publishSeconds: processMetrics.histogram(
        `${p}_publish_seconds`,
        'Time from publishing a sample batch to its JetStream acknowledgement (ingest latency seen by the producer).',
        LATENCY_BUCKETS,
      ),
    };
    byRole.set(role, m);
  }
  return m;
}
