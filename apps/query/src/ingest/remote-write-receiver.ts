import type { IncomingMessage } from 'node:http';
import {
  decodeWriteRequestV1,
  decodeWriteRequestV2,
  ProtobufError,
  RemoteWriteError,
  snappyDecode,
  SnappyError,
  type DecodeCounts,
  type LabelBytes,
} from '@ztsdb/ingest-formats';
import type { Labels } from '@ztsdb/model';
import { withoutEmptyLabels, type SampleWriter } from '@ztsdb/producer';
import { contentType, readBody, ReceiverError } from './http-body';

export const PROTO_V1 = 'prometheus.WriteRequest';
export const PROTO_V2 = 'io.prometheus.write.v2.Request';

export interface RemoteWriteLimits {
  maxBytes: number;
  maxSeries: number;
}

export interface RemoteWriteOutcome {
  counts: DecodeCounts;
  version: 1 | 2;
}

/**
 * `POST /api/v1/write`: a Prometheus remote_write request (1.0, or 2.0 by its Content-Type's
 * `proto` parameter), snappy-compressed protobuf. Samples are written through the
 * SampleWriter and the promise resolves only once JetStream acknowledged all of them;
 * undecodable or invalid requests reject with 400 (Prometheus does not retry those),
 * limits with 413/400, backpressure with 429/503 and Retry-After (from the writer).
 */
export async function receiveRemoteWrite(
  req: IncomingMessage,
  writer: SampleWriter,
  limits: RemoteWriteLimits,
): Promise<RemoteWriteOutcome> {
  const ct = contentType(req);
  if (ct.type !== 'application/x-protobuf')
    throw new ReceiverError(
      415,
      `remote write needs Content-Type application/x-protobuf, got ${JSON.stringify(ct.type)}`,
    );
  const proto = ct.params.get('proto') ?? PROTO_V1;
  if (proto !== PROTO_V1 && proto !== PROTO_V2)
    throw new ReceiverError(415, `unknown remote write message ${JSON.stringify(proto)}`);
  const encoding = (req.headers['content-encoding'] ?? 'snappy').toString().toLowerCase();
  if (encoding !== 'snappy')
    throw new ReceiverError(415, `remote write needs Content-Encoding snappy, got ${encoding}`);
  const body = await readBody(req, limits.maxBytes);
  let raw: Buffer;
  try {
    raw = snappyDecode(body, limits.maxBytes, scratch);
  } catch (e) {
    if (e instanceof SnappyError && /over the limit/.test(e.message))
      throw new ReceiverError(413, `${e.message} (ZTSDB_WRITE_MAX_BYTES)`);
    throw new ReceiverError(400, `cannot decode the body: ${(e as Error).message}`);
  }
  // About one point per 128 bytes: Prometheus sends series of one or a few samples with
  // ~100 bytes of labels each; the columns grow by doubling when a request has more.
  const write = writer.begin(Math.max(64, raw.length >>> 7));
  let series = 0;
  const visitor = {
    known: (buf: Uint8Array, start: number, end: number): boolean => {
      if (++series > limits.maxSeries) tooMany(limits.maxSeries);
      return write.seriesByKey(buf, start, end);
    },
    series: (labels: Labels, key: LabelBytes | undefined): void => {
      if (key === undefined && ++series > limits.maxSeries) tooMany(limits.maxSeries);
      write.series(withoutEmptyLabels(labels), key);
    },
    sample: (ts: number, v: number): void => write.sample(ts, v),
  };
  let counts: DecodeCounts;
  try {
    counts =
      proto === PROTO_V1 ? decodeWriteRequestV1(raw, visitor) : decodeWriteRequestV2(raw, visitor);
  } catch (e) {
    if (e instanceof ReceiverError) throw e;
    if (e instanceof ProtobufError || e instanceof RemoteWriteError)
      throw new ReceiverError(400, `invalid ${proto}: ${e.message}`);
    throw e;
  }
  if (raw.length > scratch.length && raw.length <= SCRATCH_MAX_BYTES) scratch = raw;
  await write.commit();
  return { counts, version: proto === PROTO_V1 ? 1 : 2 };
}

/**
 * The decompressed body of every request in turn: decoding runs in one go, without an await
 * between snappy and the last sample, and keeps nothing of the bytes (labels are copied into
 * strings, keys into the writer's table), so one buffer serves all. It grows to the largest
 * request up to SCRATCH_MAX_BYTES; larger ones get their own.
 */
let scratch: Buffer = Buffer.alloc(0);
const SCRATCH_MAX_BYTES = 8 * 1024 * 1024;

function tooMany(max: number): never {
  throw new ReceiverError(400, `more than ZTSDB_WRITE_MAX_SERIES=${max} series in one request`);
}
