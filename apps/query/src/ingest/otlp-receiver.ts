import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import {
  decodeOtlpJson,
  decodeOtlpProtobuf,
  translateOtlp,
  type OtlpResourceMetrics,
} from '@ztsdb/ingest-formats';
import { canonicalSeriesName, type SampleWriter } from '@ztsdb/producer';
import { contentType, readBody, ReceiverError } from './http-body';

export interface OtlpOutcome {
  json: boolean;
  samples: number;
  skippedMetrics: number;
}

/** Running totals of delta series, so they are stored as cumulative counters (bounded). */
export class DeltaTotals {
  private readonly totals = new Map<string, number>();
  constructor(private readonly max = 1_000_000) {}
  add(name: string, delta: number): number {
    const t = (this.totals.get(name) ?? 0) + delta;
    if (this.totals.size >= this.max && !this.totals.has(name)) this.totals.clear();
    this.totals.set(name, t);
    return t;
  }
}

/**
 * `POST /v1/metrics` (OTLP/HTTP): protobuf or JSON, optionally gzip. Samples go through the
 * SampleWriter like remote_write's and the answer waits for JetStream. Delta sums and
 * histograms are summed per series into cumulative counters (the receiver process keeps the
 * totals; they restart at 0 with it). Exponential histograms are not stored: a partial
 * success names how many metrics were left out.
 */
export async function receiveOtlp(
  req: IncomingMessage,
  writer: SampleWriter,
  deltas: DeltaTotals,
  maxBytes: number,
  maxSeries: number,
): Promise<OtlpOutcome> {
  const ct = contentType(req).type;
  if (ct !== 'application/x-protobuf' && ct !== 'application/json')
    throw new ReceiverError(
      415,
      `OTLP needs application/x-protobuf or application/json, got ${JSON.stringify(ct)}`,
    );
  let body = await readBody(req, maxBytes);
  const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (enc === 'gzip') {
    try {
      body = gunzipSync(body, { maxOutputLength: maxBytes });
    } catch (e) {
      throw new ReceiverError(400, `cannot gunzip the body: ${(e as Error).message}`);
    }
  } else if (enc !== 'identity')
    throw new ReceiverError(415, `unsupported Content-Encoding ${enc}`);
  let resources: OtlpResourceMetrics[];
  try {
    resources =
      ct === 'application/json'
        ? decodeOtlpJson(JSON.parse(body.toString('utf8')))
        : decodeOtlpProtobuf(body);
  } catch (e) {
    throw new ReceiverError(400, `invalid OTLP metrics request: ${(e as Error).message}`);
  }
  const write = writer.begin();
  let samples = 0;
  let series = 0;
  const skippedMetrics = translateOtlp(resources, (labels, ts, value, delta) => {
    if (++series > maxSeries)
      throw new ReceiverError(
        400,
        `more than ZTSDB_WRITE_MAX_SERIES=${maxSeries} series in one request`,
      );
    write.series(labels);
    write.sample(ts, delta ? deltas.add(canonicalSeriesName(labels), value) : value);
    samples++;
  });
  await write.commit();
  return { json: ct === 'application/json', samples, skippedMetrics };
}
