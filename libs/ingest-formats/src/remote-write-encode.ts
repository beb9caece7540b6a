import { ProtoWriter } from './protobuf-writer';

/** A series as a sender holds it: labels (in the order to send) and samples. */
export interface WriteSeries {
  labels: Array<[string, string]>;
  samples: Array<[timestampMs: number, value: number]>;
}

/** Encodes a 1.0 WriteRequest (not snappy-compressed), as Prometheus does: labels first. */
export function encodeWriteRequestV1(series: WriteSeries[]): Buffer {
  const w = new ProtoWriter();
  for (const s of series)
    w.message(1, (ts) => {
      for (const [n, v] of s.labels) ts.message(1, (l) => l.string(1, n).string(2, v));
      for (const [t, v] of s.samples) ts.message(2, (m) => m.double(1, v).tag(2, 0).int64(t));
    });
  return w.finish();
}

/** Encodes a 2.0 Request: a symbols table (first the empty string) and label references. */
export function encodeWriteRequestV2(series: WriteSeries[]): Buffer {
  const symbols = [''];
  const index = new Map<string, number>([['', 0]]);
  const ref = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = symbols.length;
      symbols.push(s);
      index.set(s, i);
    }
    return i;
  };
  const w = new ProtoWriter();
  for (const s of series) {
    const refs = s.labels.flatMap(([n, v]) => [ref(n), ref(v)]);
    w.message(5, (ts) => {
      ts.message(1, (p) => {
        for (const r of refs) p.varint(r);
      });
      for (const [t, v] of s.samples) ts.message(2, (m) => m.double(1, v).tag(2, 0).int64(t));
    });
  }
  for (const sym of symbols) w.string(4, sym);
  return w.finish();
}
