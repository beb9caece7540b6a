// The requests of the remote-write benchmarks: Prometheus-shaped remote_write 1.0, 2,000 series
// with one sample each, 5 labels like a scraped fleet, snappy-compressed protobuf.
import { encodeWriteRequestV1, snappyEncode, type WriteSeries } from '@ztsdb/ingest-formats';

export const PER_REQUEST = 2000;
/** Distinct series: requests cycle over this many (a fleet of 100 targets × 200 series). */
export const SERIES = 20_000;
export const ROUNDS = 8;

/** Requests as Prometheus would send them: each series once per request, a scrape round apart. */
export function buildRequests(): Buffer[] {
  const out: Buffer[] = [];
  const t0 = Date.now() - 3_600_000;
  const metrics = [
    'http_requests_total',
    'process_cpu_seconds_total',
    'go_goroutines',
    'node_load1',
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (let first = 0; first < SERIES; first += PER_REQUEST) {
      const series: WriteSeries[] = [];
      for (let i = first; i < first + PER_REQUEST; i++)
        series.push({
          labels: [
            ['__name__', metrics[i % metrics.length]!],
            ['code', String(200 + (i % 7))],
            ['handler', `/api/v1/h${Math.floor(i / 28) % 50}`],
            ['instance', `10.0.${Math.floor(i / 200)}.${i % 200}:9100`],
            ['job', 'node'],
          ],
          samples: [[t0 + round * 15_000, (i * 31 + round) % 1000]],
        });
      out.push(snappyEncode(encodeWriteRequestV1(series)));
    }
  }
  return out;
}
