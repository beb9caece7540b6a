import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { DEFAULT_RETRY_DEADLINE_MS, samplesSubject, withRetry, type RetryPolicy } from '@ztsdb/bus';
import { partitionOf, seriesId, seriesKey } from '@ztsdb/model';
import { encodeSampleBatch, sampleBatchMsgId } from '@ztsdb/wire';
import {
  detectFormat,
  parseCsvLine,
  parsePromLine,
  type ParsedSample,
  type ParseResult,
} from './import-parsers';
import { ProgressBar } from './progress-bar';

const BATCH = 8192;
const IN_FLIGHT = 64;
const MAX_REPORTED = 50;

export interface ImportSummary {
  lines: number;
  samples: number;
  series: number;
  newSeries: number;
  badLines: number;
  seconds: number;
}

interface Column {
  ids: BigUint64Array;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
}

/**
 * `ztsdb import FILE`: reads CSV or Prometheus text, registers new series in
 * KV ztsdb_series and publishes sample batches per partition on the samples
 * stream with Nats-Msg-Id (producer id + sequence + partition), like any
 * producer; returns once JetStream acknowledged everything.
 */
export async function importFile(
  nc: NatsConnection,
  seriesKv: KV,
  partitions: number,
  file: string,
  report: (line: string) => void,
  format?: 'csv' | 'prom',
  retry: RetryPolicy = { deadlineMs: DEFAULT_RETRY_DEADLINE_MS },
): Promise<ImportSummary> {
  const started = Date.now();
  const size = fs.statSync(file).size;
  const js = jetstream(nc);
  const producerId = randomBytes(8).readBigUInt64LE();
  let sequence = 0n;
  const known = new Map<string, { id: bigint; partition: number }>();
  const cols: Column[] = Array.from({ length: partitions }, () => ({
    ids: new BigUint64Array(BATCH),
    ts: new Float64Array(BATCH),
    vs: new Float64Array(BATCH),
    n: 0,
  }));
  const inflight = new Set<Promise<unknown>>();
  let failure: Error | undefined;
  const track = (p: Promise<unknown>): void => {
    const q: Promise<unknown> = p.then(
      (): void => void inflight.delete(q),
      (e: Error): void => {
        inflight.delete(q);
        failure ??= e;
      },
    );
    inflight.add(q);
  };
  const drainTo = async (max: number): Promise<void> => {
    while (inflight.size > max) await Promise.race(inflight);
    if (failure) throw failure;
  };
  const flush = (p: number): void => {
    const c = cols[p]!;
    if (c.n === 0) return;
    const header = { partition: p, producerId, sequence: ++sequence };
    const data = encodeSampleBatch(header, c.ids, c.ts, c.vs, c.n);
    c.n = 0;
    // Retried with the same Nats-Msg-Id, so a batch whose ack was lost is stored once.
    track(
      withRetry(
        `publishing sample batch ${header.sequence} on ${samplesSubject(p)}`,
        () =>
          js.publish(samplesSubject(p), data, {
            msgID: sampleBatchMsgId(header),
            timeout: 30_000,
          }),
        retry,
      ),
    );
  };

  const summary: ImportSummary = {
    lines: 0,
    samples: 0,
    series: 0,
    newSeries: 0,
    badLines: 0,
    seconds: 0,
  };
  const bar = new ProgressBar(size, 'import');
  let parse: ((l: string) => ParseResult) | undefined = format
    ? format === 'csv'
      ? parseCsvLine
      : parsePromLine
    : undefined;
  const registrations: Array<Promise<unknown>> = [];

  const take = (s: ParsedSample): void => {
    let k = known.get(s.name);
    if (!k) {
      const id = seriesId(s.name);
      k = { id, partition: partitionOf(id, partitions) };
      known.set(s.name, k);
      summary.series++;
      const key = seriesKey(id);
      const entry = JSON.stringify({
        id: key,
        name: s.name,
        labels: s.labels(),
        active: true,
        updatedMs: Date.now(),
      });
      registrations.push(
        withRetry(`reading ${key} from KV ztsdb_series`, () => seriesKv.get(key), retry).then(
          (cur) => {
            if (cur && cur.operation === 'PUT' && cur.length > 0) return;
            summary.newSeries++;
            return withRetry(
              `registering ${s.name} in KV ztsdb_series`,
              () => seriesKv.put(key, entry),
              retry,
            );
          },
        ),
      );
    }
    const c = cols[k.partition]!;
    c.ids[c.n] = k.id;
    c.ts[c.n] = s.timestamp;
    c.vs[c.n++] = s.value;
    summary.samples++;
    if (c.n === BATCH) flush(k.partition);
  };

  let rest = '';
  let bytes = 0;
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const handle = (line: string): void => {
    summary.lines++;
    const r = parse!(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (r === null) return;
    if ('error' in r) {
      summary.badLines++;
      if (summary.badLines <= MAX_REPORTED) report(`line ${summary.lines}: ${r.error}`);
      return;
    }
    take(r);
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    bytes += Buffer.byteLength(chunk);
    const text = rest + chunk;
    if (!parse)
      parse =
        detectFormat(text.slice(0, 4096).split('\n').slice(0, 20), file) === 'csv'
          ? parseCsvLine
          : parsePromLine;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      handle(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (registrations.length > 0) {
      await Promise.all(registrations.splice(0));
    }
    await drainTo(IN_FLIGHT);
    bar.update(
      bytes,
      `${summary.samples.toLocaleString('en-US')} samples, ${summary.series} series`,
    );
  }
  if (rest.length > 0 && parse) handle(rest);
  await Promise.all(registrations.splice(0));
  for (let p = 0; p < partitions; p++) flush(p);
  await drainTo(0);
  bar.update(
    size,
    `${summary.samples.toLocaleString('en-US')} samples, ${summary.series} series`,
    true,
  );
  bar.done();
  if (summary.badLines > MAX_REPORTED)
    report(`… and ${summary.badLines - MAX_REPORTED} more bad lines`);
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}
