import type { Labels } from '@ztsdb/model';
import { ProtoReader, ProtobufError } from './protobuf-reader';

/**
 * OTLP metrics (`ExportMetricsServiceRequest`, protobuf or its JSON mapping) decoded into a
 * small neutral model; `otlp-translate.ts` turns it into Prometheus-named series. Field
 * numbers are opentelemetry-proto's metrics/v1 and common/v1.
 */

export type OtlpKind = 'gauge' | 'sum' | 'histogram' | 'summary' | 'unsupported';

export interface OtlpPoint {
  attributes: Labels;
  timeMs: number;
  /** gauge and sum */
  value: number;
  /** histogram and summary */
  count: number;
  sum: number;
  bucketCounts: number[];
  bounds: number[];
  quantiles: Array<[quantile: number, value: number]>;
  /** FLAG_NO_RECORDED_VALUE: a gap, not a value. */
  noValue: boolean;
}

export interface OtlpMetric {
  name: string;
  unit: string;
  kind: OtlpKind;
  monotonic: boolean;
  /** 1 delta, 2 cumulative (0: unspecified, as for gauges). */
  temporality: number;
  points: OtlpPoint[];
}

export interface OtlpResourceMetrics {
  resource: Labels;
  metrics: OtlpMetric[];
}

export class OtlpError extends Error {
  readonly code = 'OTLP_INVALID';
}

const newPoint = (): OtlpPoint => ({
  attributes: {},
  timeMs: 0,
  value: 0,
  count: 0,
  sum: 0,
  bucketCounts: [],
  bounds: [],
  quantiles: [],
  noValue: false,
});

const nanosToMs = (ns: bigint): number => Number(ns / 1_000_000n);

// ---- protobuf ----

function anyValue(r: ProtoReader, end: number): string {
  let out = '';
  while (r.pos < end) {
    const t = r.varint();
    switch (t) {
      case (1 << 3) | 2:
        out = r.string();
        break;
      case (2 << 3) | 0:
        out = r.varint() ? 'true' : 'false';
        break;
      case (3 << 3) | 0:
        out = String(r.int64());
        break;
      case (4 << 3) | 1:
        out = String(r.double());
        break;
      default:
        r.skip(t & 7); // arrays, kvlists and bytes are not label values
    }
  }
  return out;
}

function keyValue(r: ProtoReader, end: number, into: Labels): void {
  let key = '';
  let value = '';
  while (r.pos < end) {
    const t = r.varint();
    if (t === ((1 << 3) | 2)) key = r.string();
    else if (t === ((2 << 3) | 2)) {
      const b = r.bytes();
      const sub = new ProtoReader(r.buf, b.start, b.end);
      value = anyValue(sub, b.end);
    } else r.skip(t & 7);
  }
  into[key] = value;
}

function sub(r: ProtoReader): ProtoReader {
  const b = r.bytes();
  return new ProtoReader(r.buf, b.start, b.end);
}

function packedOrOne(
  r: ProtoReader,
  wire: number,
  read: (x: ProtoReader) => number,
  out: number[],
): void {
  if (wire === 2) {
    const s = sub(r);
    while (!s.done) out.push(read(s));
  } else out.push(read(r));
}

function dataPoint(r: ProtoReader, kind: OtlpKind): OtlpPoint {
  const p = newPoint();
  const attrField = kind === 'histogram' ? 9 : 7;
  while (!r.done) {
    const t = r.varint();
    const field = Math.floor(t / 8);
    const wire = t & 7;
    if (field === attrField && wire === 2) {
      const s = sub(r);
      keyValue(s, s.end, p.attributes);
    } else if (field === 3 && wire === 1) p.timeMs = nanosToMs(r.fixed64Big());
    else if (kind === 'gauge' || kind === 'sum') {
      if (field === 4 && wire === 1) p.value = r.double();
      else if (field === 6 && wire === 1) p.value = Number(BigInt.asIntN(64, r.fixed64Big()));
      else if (field === 8 && wire === 0) p.noValue = (r.varint() & 1) === 1;
      else r.skip(wire);
    } else if (field === 4 && wire === 1) p.count = Number(r.fixed64Big());
    else if (field === 5 && wire === 1) p.sum = r.double();
    else if (kind === 'histogram' && field === 6)
      packedOrOne(r, wire, (x) => Number(x.fixed64Big()), p.bucketCounts);
    else if (kind === 'histogram' && field === 7) packedOrOne(r, wire, (x) => x.double(), p.bounds);
    else if (kind === 'histogram' && field === 10 && wire === 0) p.noValue = (r.varint() & 1) === 1;
    else if (kind === 'summary' && field === 6 && wire === 2) {
      const s = sub(r);
      let q = 0;
      let v = 0;
      while (!s.done) {
        const qt = s.varint();
        if (qt === ((1 << 3) | 1)) q = s.double();
        else if (qt === ((2 << 3) | 1)) v = s.double();
        else s.skip(qt & 7);
      }
      p.quantiles.push([q, v]);
    } else if (kind === 'summary' && field === 8 && wire === 0) p.noValue = (r.varint() & 1) === 1;
    else r.skip(wire);
  }
  return p;
}

function metricData(r: ProtoReader, m: OtlpMetric): void {
  while (!r.done) {
    const t = r.varint();
    const field = Math.floor(t / 8);
    if (field === 1 && (t & 7) === 2) m.points.push(dataPoint(sub(r), m.kind));
    else if (field === 2 && (t & 7) === 0) m.temporality = r.varint();
    else if (field === 3 && (t & 7) === 0) m.monotonic = r.varint() === 1;
    else r.skip(t & 7);
  }
}

const KIND_BY_FIELD: Record<number, OtlpKind> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'unsupported', // exponential histogram
  11: 'summary',
};

/** Decodes a protobuf ExportMetricsServiceRequest. */
export function decodeOtlpProtobuf(buf: Uint8Array): OtlpResourceMetrics[] {
  const out: OtlpResourceMetrics[] = [];
  const r = new ProtoReader(buf);
  while (!r.done) {
    const t = r.varint();
    if (t !== ((1 << 3) | 2)) {
      r.skip(t & 7);
      continue;
    }
    const rm = sub(r);
    const res: OtlpResourceMetrics = { resource: {}, metrics: [] };
    while (!rm.done) {
      const rt = rm.varint();
      if (rt === ((1 << 3) | 2)) {
        const resource = sub(rm);
        while (!resource.done) {
          const at = resource.varint();
          if (at === ((1 << 3) | 2)) {
            const kv = sub(resource);
            keyValue(kv, kv.end, res.resource);
          } else resource.skip(at & 7);
        }
      } else if (rt === ((2 << 3) | 2)) {
        const sm = sub(rm);
        while (!sm.done) {
          const st = sm.varint();
          if (st !== ((2 << 3) | 2)) {
            sm.skip(st & 7);
            continue;
          }
          const mr = sub(sm);
          const m: OtlpMetric = {
            name: '',
            unit: '',
            kind: 'unsupported',
            monotonic: false,
            temporality: 0,
            points: [],
          };
          while (!mr.done) {
            const mt = mr.varint();
            const field = Math.floor(mt / 8);
            if (mt === ((1 << 3) | 2)) m.name = mr.string();
            else if (mt === ((3 << 3) | 2)) m.unit = mr.string();
            else if ((mt & 7) === 2 && KIND_BY_FIELD[field]) {
              m.kind = KIND_BY_FIELD[field]!;
              metricData(sub(mr), m);
            } else mr.skip(mt & 7);
          }
          res.metrics.push(m);
        }
      } else rm.skip(rt & 7);
    }
    out.push(res);
  }
  return out;
}

// ---- JSON (the protobuf JSON mapping: camelCase, 64-bit integers as strings) ----

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const num = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (!Number.isNaN(n)) return n;
  }
  if (v === undefined || v === null) return 0;
  throw new OtlpError(`not a number: ${JSON.stringify(v)}`);
};
const timeMs = (v: unknown): number => {
  if (v === undefined || v === null || v === '') return 0;
  if (typeof v === 'string' && /^\d+$/.test(v)) return nanosToMs(BigInt(v));
  return Math.floor(num(v) / 1e6);
};

function jsonAttributes(list: unknown, into: Labels): void {
  for (const kv of arr(list)) {
    const v = (kv.value ?? {}) as Json;
    let s = '';
    if (typeof v.stringValue === 'string') s = v.stringValue;
    else if (v.boolValue !== undefined) s = v.boolValue ? 'true' : 'false';
    else if (v.intValue !== undefined) s = String(v.intValue);
    else if (v.doubleValue !== undefined) s = String(num(v.doubleValue));
    into[String(kv.key ?? '')] = s;
  }
}

const TEMPORALITY: Record<string, number> = {
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

/** Decodes the JSON form of an ExportMetricsServiceRequest (already parsed). */
export function decodeOtlpJson(body: unknown): OtlpResourceMetrics[] {
  if (typeof body !== 'object' || body === null) throw new OtlpError('expected a JSON object');
  return arr((body as Json).resourceMetrics).map((rm) => {
    const res: OtlpResourceMetrics = { resource: {}, metrics: [] };
    jsonAttributes(((rm.resource ?? {}) as Json).attributes, res.resource);
    for (const sm of arr(rm.scopeMetrics))
      for (const jm of arr(sm.metrics)) {
        const m: OtlpMetric = {
          name: String(jm.name ?? ''),
          unit: String(jm.unit ?? ''),
          kind: 'unsupported',
          monotonic: false,
          temporality: 0,
          points: [],
        };
        let data: Json | undefined;
        for (const k of ['gauge', 'sum', 'histogram', 'summary'] as const)
          if (jm[k] && typeof jm[k] === 'object') {
            m.kind = k;
            data = jm[k] as Json;
          }
        if (data) {
          const tmp = data.aggregationTemporality;
          m.temporality = typeof tmp === 'string' ? (TEMPORALITY[tmp] ?? 0) : num(tmp);
          m.monotonic = data.isMonotonic === true;
          for (const dp of arr(data.dataPoints)) {
            const p = newPoint();
            jsonAttributes(dp.attributes, p.attributes);
            p.timeMs = timeMs(dp.timeUnixNano);
            p.noValue = (num(dp.flags) & 1) === 1;
            if (dp.asDouble !== undefined) p.value = num(dp.asDouble);
            else if (dp.asInt !== undefined) p.value = num(dp.asInt);
            p.count = num(dp.count);
            p.sum = num(dp.sum);
            p.bucketCounts = (Array.isArray(dp.bucketCounts) ? dp.bucketCounts : []).map(num);
            p.bounds = (Array.isArray(dp.explicitBounds) ? dp.explicitBounds : []).map(num);
            p.quantiles = arr(dp.quantileValues).map((q) => [num(q.quantile), num(q.value)]);
            m.points.push(p);
          }
        }
        res.metrics.push(m);
      }
    return res;
  });
}

export { ProtobufError };
