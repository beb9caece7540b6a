import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { DEFAULT_RETRY_DEADLINE_MS, KV_SERIES, type RetryPolicy } from '@ztsdb/bus';
import { partitionOf, seriesId, type Labels } from '@ztsdb/model';
import {
  BatchBuilder,
  BatchPublisher,
  JetStreamAcks,
  kvCreate,
  PartitionGroups,
  SeriesRegistrar,
} from '@ztsdb/producer';
import type { SampleBatchVersion } from '@ztsdb/wire';
import {
  detectFormat,
  parseCsvLine,
  parseJsonLine,
  parsePromLine,
  type ImportFormat,
  type ParseResult,
  type ParsedSeriesLine,
} from './import-parsers';
import { ProgressBar } from './progress-bar';
import { CsvByteScanner } from './csv-byte-scanner';

/**
 * Points per batch: larger batches than a scrape's, since every message costs the import, the
 * bus and the ingestor a request, an acknowledgement and a WAL entry whatever its size; kept
 * within NATS's max_payload even when a batch must go as version 1 (24 bytes a point).
 */
const BATCH = 16384;
/** Batches awaiting their acknowledgement: about 6 MB on the wire. */
const IN_FLIGHT = 32;
/** One read buffer for the whole file: the scan copies what it keeps of a chunk. */
const READ_BYTES = 1 << 20;
const MAX_REPORTED = 50;

export interface ImportSummary {
  lines: number;
  samples: number;
  series: number;
  newSeries: number;
  badLines: number;
  seconds: number;
}

type LineParser = (line: string) => ParseResult | ParsedSeriesLine | { error: string } | null;

function grown<T extends Uint32Array | Uint16Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** `BATCH`, or fewer when a version 1 batch of that many points would exceed `maxPayload`. */
export function pointsPerBatch(maxPayload: number | undefined): number {
  if (!maxPayload || maxPayload <= 0) return BATCH;
  // 1 KiB for the batch's header and trailer and the message's NATS headers.
  const fit = Math.floor((maxPayload - 1024) / 24);
  return Math.max(1, Math.min(BATCH, fit));
}

function parserFor(format: ImportFormat, nowMs: number): LineParser {
  switch (format) {
    case 'csv':
      return parseCsvLine;
    case 'prom':
      return (l) => parsePromLine(l, nowMs);
    case 'openmetrics':
      return (l) => parsePromLine(l, nowMs, true);
    case 'jsonl':
      return parseJsonLine;
  }
}

/**
 * `ztsdb import FILE`: reads CSV, Prometheus text, OpenMetrics or JSON lines, and writes
 * through libs/producer like every producer: new series registered in KV ztsdb_series
 * (entries already there are left as they are), sample batches per partition on the samples
 * stream with Nats-Msg-Id; returns once JetStream acknowledged everything and every series
 * is registered.
 */
export async function importFile(
  nc: NatsConnection,
  seriesKv: KV,
  partitions: number,
  file: string,
  report: (line: string) => void,
  format?: ImportFormat,
  retry: RetryPolicy = { deadlineMs: DEFAULT_RETRY_DEADLINE_MS },
  batchVersion: SampleBatchVersion = 3,
): Promise<ImportSummary> {
  const started = Date.now();
  const size = fs.statSync(file).size;
  // Batches and new series are acknowledged through one inbox of the import's own, not a
  // request each (JetStreamAcks).
  const acks = new JetStreamAcks(nc);
  const registrar = new SeriesRegistrar(seriesKv, {
    refreshMs: Number.MAX_SAFE_INTEGER,
    keepExisting: true,
    create: kvCreate(acks, KV_SERIES),
    warn: (m) => retry.log?.(m),
  });
  const publisher = new BatchPublisher(acks, {
    maxBacklog: IN_FLIGHT * 2,
    role: 'import',
    metrics: null, // a command serves no /metrics: prom-client is not even loaded
    inFlight: IN_FLIGHT,
    ackTimeoutMs: 30_000,
    log: { log: (m) => retry.log?.(m), warn: (m) => retry.log?.(m) },
  });
  const builder = new BatchBuilder(batchVersion);
  const batchPoints = pointsPerBatch(nc.info?.max_payload);
  const groups = new PartitionGroups(partitions, batchPoints);
  // Series by name → ref (an index into the typed columns below: id halves and partition).
  const known = new Map<string, number>();
  let idLo = new Uint32Array(1024);
  let idHi = new Uint32Array(1024);
  let partitionOfRef = new Uint16Array(1024);
  const inflight = new Set<Promise<unknown>>();
  let failure: Error | undefined;
  let lastProgressMs = Date.now();
  const drainTo = async (max: number): Promise<void> => {
    while (inflight.size > max) {
      if (failure) throw failure;
      // The publisher retries forever; the import gives up once nothing was acknowledged
      // for the retry deadline (ZTSDB_NATS_RETRY_DEADLINE).
      const stalled = new Promise((r) => setTimeout(r, 1000));
      await Promise.race([...inflight, stalled]);
      if (Date.now() - lastProgressMs > retry.deadlineMs)
        throw new Error(
          `JetStream acknowledged nothing for ${Math.round(retry.deadlineMs / 1000)} s; ${publisher.pending} batches unacknowledged`,
        );
    }
    if (failure) throw failure;
  };
  const flush = (p: number): void => {
    const cols = groups.takePartition(p);
    if (cols.count === 0) return;
    const batch = builder.build(cols);
    groups.recycle(cols); // encoded: the columns can take the next points
    const q: Promise<unknown> = publisher.publish(batch).then(
      () => {
        lastProgressMs = Date.now();
        inflight.delete(q);
      },
      (e: Error) => {
        inflight.delete(q);
        failure ??= e;
      },
    );
    inflight.add(q);
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
  let parse: LineParser | undefined = format ? parserFor(format, started) : undefined;

  const ref = (name: string, labels: () => Labels): number => {
    let k = known.get(name);
    if (k === undefined) {
      k = known.size;
      if (k === idLo.length) {
        idLo = grown(idLo);
        idHi = grown(idHi);
        partitionOfRef = grown(partitionOfRef);
      }
      const id = seriesId(name);
      idLo[k] = Number(id & 0xffffffffn);
      idHi[k] = Number(id >> 32n);
      partitionOfRef[k] = partitionOf(id, partitions);
      known.set(name, k);
      summary.series++;
      registrar.note(name, id, labels, Date.now());
    }
    return k;
  };
  const add = (k: number, ts: number, v: number): void => {
    const p = partitionOfRef[k]!;
    groups.addWords(p, idLo[k]!, idHi[k]!, ts, v);
    summary.samples++;
    if (groups.count(p) === batchPoints) flush(p);
  };

  /** One line the general way: the series ref of a good sample line, else -1. */
  const handle = (line: string, lineNo: number): number => {
    const r = parse!(line);
    if (r === null) return -1;
    if ('error' in r) {
      summary.badLines++;
      if (summary.badLines <= MAX_REPORTED) report(`line ${lineNo}: ${r.error}`);
      return -1;
    }
    const k = ref(r.name, r.labels);
    if ('timestamps' in r) {
      for (let i = 0; i < r.timestamps.length; i++) add(k, r.timestamps[i]!, r.values[i]!);
    } else add(k, r.timestamp, r.value);
    return k;
  };
  const register = async (): Promise<void> => {
    if (registrar.pendingCount === 0) return;
    const deadline = Date.now() + retry.deadlineMs;
    while (!(await registrar.flush())) {
      if (Date.now() > deadline)
        throw new Error(`cannot register ${registrar.pendingCount} series in KV ztsdb_series`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  // New series are registered beside the reading and publishing (one flush at a time), not
  // in their way; the import ends only once every series is registered and every batch
  // acknowledged.
  let registering: Promise<void> | undefined;
  const registerBeside = (): void => {
    if (registering || registrar.pendingCount === 0) return;
    registering = register().then(
      () => void (registering = undefined),
      (e: Error) => {
        registering = undefined;
        failure ??= e;
      },
    );
  };
  const registerAll = async (): Promise<void> => {
    while (registering) await registering;
    if (failure) throw failure;
    await register();
  };

  // CSV is scanned in bytes (CsvByteScanner); the other formats line by line as text.
  let lines: { push(chunk: Buffer): void; end(): void; readonly lines: number } | undefined;
  const textLines = (): typeof lines => {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let n = 0;
    const take = (text: string, last: boolean): void => {
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        handle(text.slice(start, text[nl - 1] === '\r' ? nl - 1 : nl), ++n);
        start = nl + 1;
      }
      rest = text.slice(start);
      if (last && rest.length > 0) handle(rest.endsWith('\r') ? rest.slice(0, -1) : rest, ++n);
    };
    return {
      push: (chunk) => take(rest + decoder.write(chunk), false),
      end: () => take(rest + decoder.end(), true),
      get lines() {
        return n;
      },
    };
  };
  let bytes = 0;
  const fh = await fs.promises.open(file, 'r');
  const readBuf = Buffer.allocUnsafe(READ_BYTES);
  try {
    for (;;) {
      const { bytesRead } = await fh.read(readBuf, 0, READ_BYTES, null);
      if (bytesRead === 0) break;
      const chunk = readBuf.subarray(0, bytesRead);
      bytes += bytesRead;
      if (!lines) {
        const head = chunk.toString('utf8', 0, Math.min(chunk.length, 4096));
        parse ??= parserFor(detectFormat(head.split('\n').slice(0, 20), file), started);
        lines =
          parse === parseCsvLine
            ? new CsvByteScanner({ sample: add, slowLine: handle })
            : textLines();
      }
      lines!.push(chunk);
      registerBeside();
      await drainTo(IN_FLIGHT);
      bar.update(
        bytes,
        `${summary.samples.toLocaleString('en-US')} samples, ${summary.series} series`,
      );
    }
    lines?.end();
    summary.lines = lines?.lines ?? 0;
    await registerAll();
    for (let p = 0; p < partitions; p++) flush(p);
    await drainTo(0);
  } finally {
    publisher.close();
    acks.close();
    await fh.close();
  }
  summary.newSeries = registrar.created;
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
