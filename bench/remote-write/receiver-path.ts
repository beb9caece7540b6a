// The remote-write receiver's own work in one process, without HTTP or NATS: snappy, the
// protobuf walk, series lookup by label bytes, partition grouping and sample-batch encoding,
// over the same Prometheus-shaped requests as bench/remote-write/main.ts. JetStream and KV are
// stand-ins that acknowledge at once, so the figure is the receiver's CPU per sample and
// nothing else; `node --cpu-prof dist/bench/remote-write/receiver-path.js` profiles it.
// Prints CPU-microseconds per sample; the last line is one JSON object of the figures.
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { publisherMetrics } from '@ztsdb/metrics';
import { SampleWriter } from '@ztsdb/producer';
import { receiveRemoteWrite } from '../../apps/query/src/ingest/remote-write-receiver';
import { buildRequests, PER_REQUEST } from './requests';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const MAX_BYTES = 32 * 1024 * 1024;

const js = {
  publish: () => Promise.resolve({ seq: 1, stream: 'ZTSDB_SAMPLES', duplicate: false }),
} as unknown as JetStreamClient;
const kv = { put: () => Promise.resolve(1) } as unknown as KV;

const HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
};

/** The receiver's own function on a request body (a stream with the headers Prometheus sends). */
async function oneRequest(writer: SampleWriter, body: Buffer): Promise<number> {
  const req = Object.assign(Readable.from([body], { objectMode: false }), {
    headers: { ...HEADERS, 'content-length': String(body.length) },
  }) as unknown as IncomingMessage;
  const out = await receiveRemoteWrite(req, writer, { maxBytes: MAX_BYTES, maxSeries: 100_000 });
  return out.counts.samples;
}

async function main(): Promise<void> {
  const requests = buildRequests();
  const writer = new SampleWriter(js, kv, {
    partitions: 12,
    role: 'bench_receiver',
    metrics: publisherMetrics('bench_receiver'),
    maxBacklog: 4096,
    inFlight: 32,
    ackDeadlineMs: 10_000,
    refreshMs: 3_600_000,
    warn: (m) => process.stderr.write(`${m}\n`),
  });
  for (const r of requests) await oneRequest(writer, r); // every series known from here on
  const deadline = Date.now() + SECONDS * 1000;
  const cpu0 = process.cpuUsage();
  let samples = 0;
  let next = 0;
  // Eight requests at once, as the HTTP bench sends them.
  while (Date.now() < deadline) {
    const batch: Array<Promise<number>> = [];
    for (let k = 0; k < 8; k++) batch.push(oneRequest(writer, requests[next++ % requests.length]!));
    for (const n of await Promise.all(batch)) samples += n;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const usPerSample = (cpuS * 1e6) / samples;
  writer.close();
  process.stdout.write(
    `${samples.toLocaleString('en-US')} samples in ${cpuS.toFixed(2)} CPU-s: ${usPerSample.toFixed(3)} CPU-µs per sample (${PER_REQUEST} a request)\n`,
  );
  process.stdout.write(`${JSON.stringify({ samples, cpuS, cpuSecondsPerMillion: usPerSample })}\n`);
}

main().catch((e: Error) => {
  process.stdout.write(`bench failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
