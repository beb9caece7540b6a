import type { Labels } from '@ztsdb/model';
import { ProtoReader, ProtobufError, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './protobuf-reader';

/**
 * Prometheus remote_write requests (already snappy-decoded), decoded straight into a
 * visitor: per series either `known(buf, start, end)` (the same label bytes were seen
 * before) or `series(labels, key)`, then one `sample` call per sample — no object per sample,
 * and no string or label decoding for a series the receiver already knows by its bytes.
 *
 * 1.0 `prometheus.WriteRequest`: timeseries = 1 (TimeSeries: labels = 1 {name = 1, value = 2},
 * samples = 2 {value = 1 double, timestamp = 2 int64}, exemplars = 3, histograms = 4);
 * metadata = 3. 2.0 `io.prometheus.write.v2.Request`: symbols = 4 (strings), timeseries = 5
 * (TimeSeries: labels_refs = 1 packed uint32 pairs into symbols, samples = 2 {value = 1,
 * timestamp = 2, start_timestamp = 3}, histograms = 3, exemplars = 4, metadata = 5).
 * Exemplars and metadata are skipped; native histograms are counted (ztsdb does not store them).
 */

export interface WriteVisitor {
  /**
   * True when the series whose label bytes are `buf[start, end)` is known: its samples
   * follow. The range is only valid during the call.
   */
  known?(buf: Uint8Array, start: number, end: number): boolean;
  /**
   * Labels of the next series' samples; `key`: where its label bytes are, to remember it by
   * (when it has such a key; valid only during the call).
   */
  series(labels: Labels, key: LabelBytes | undefined): void;
  sample(timestampMs: number, value: number): void;
}

/** A series' label bytes, where they lie in the request. */
export interface LabelBytes {
  buf: Uint8Array;
  start: number;
  end: number;
}

export interface DecodeCounts {
  series: number;
  samples: number;
  /** Native histogram samples, which ztsdb does not store. */
  histograms: number;
}

export class RemoteWriteError extends Error {
  readonly code = 'REMOTE_WRITE_INVALID';
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TAG_V1_SERIES = (1 << 3) | WIRE_LEN;
const TAG_V1_LABEL = (1 << 3) | WIRE_LEN;
const TAG_V1_SAMPLE = (2 << 3) | WIRE_LEN;
const TAG_V1_HISTOGRAM = (4 << 3) | WIRE_LEN;
const TAG_V2_SYMBOL = (4 << 3) | WIRE_LEN;
const TAG_V2_SERIES = (5 << 3) | WIRE_LEN;
const TAG_V2_REFS_PACKED = (1 << 3) | WIRE_LEN;
const TAG_V2_REF = (1 << 3) | WIRE_VARINT;
const TAG_V2_HISTOGRAM = (3 << 3) | WIRE_LEN;
const TAG_STRING_1 = (1 << 3) | WIRE_LEN;
const TAG_STRING_2 = (2 << 3) | WIRE_LEN;
const TAG_VALUE = (1 << 3) | WIRE_FIXED64;
const TAG_TIMESTAMP = (2 << 3) | WIRE_VARINT;

function addLabel(labels: Labels, name: string, value: string): void {
  if (Object.prototype.hasOwnProperty.call(labels, name))
    throw new RemoteWriteError(`duplicate label name ${JSON.stringify(name)}`);
  if (name !== '__name__' && !LABEL_NAME.test(name))
    throw new RemoteWriteError(`invalid label name ${JSON.stringify(name)}`);
  labels[name] = value;
}

function checkName(labels: Labels): void {
  if (!labels.__name__)
    throw new RemoteWriteError(`series without __name__: ${JSON.stringify(labels)}`);
}

/** Reads the samples (field `tag`) of a series in [start, end). */
function samplesOf(r: ProtoReader, start: number, end: number, v: WriteVisitor): number {
  const buf = r.buf;
  let n = 0;
  let p = start;
  while (p < end) {
    // As Prometheus writes a sample: tag, a one-byte length, the value (fixed64), then the
    // timestamp (varint) and nothing else; read in place. Anything else goes the general way.
    if (buf[p] === TAG_V1_SAMPLE) {
      const len = buf[p + 1]!;
      const sEnd = p + 2 + len;
      if (
        len >= 11 &&
        len < 0x80 &&
        sEnd <= end &&
        buf[p + 2] === TAG_VALUE &&
        buf[p + 11] === TAG_TIMESTAMP
      ) {
        r.range(p + 12, sEnd);
        const ts = r.int64();
        if (r.pos === sEnd) {
          v.sample(ts, r.view.getFloat64(p + 3, true));
          n++;
          p = sEnd;
          continue;
        }
      }
    }
    r.range(p, end);
    const t = r.varint();
    if (t !== TAG_V1_SAMPLE) {
      r.skip(t & 7);
      p = r.pos;
      continue;
    }
    const sEnd = r.lengthEnd();
    let value = 0;
    let ts = 0;
    while (r.pos < sEnd) {
      const f = r.varint();
      if (f === TAG_VALUE) value = r.double();
      else if (f === TAG_TIMESTAMP) ts = r.int64();
      else r.skip(f & 7);
    }
    if (r.pos !== sEnd) throw new ProtobufError(`sample field runs past its message at ${sEnd}`);
    v.sample(ts, value);
    n++;
    p = sEnd;
  }
  return n;
}

/** Decodes a 1.0 WriteRequest. */
export function decodeWriteRequestV1(buf: Uint8Array, v: WriteVisitor): DecodeCounts {
  const counts: DecodeCounts = { series: 0, samples: 0, histograms: 0 };
  const r = new ProtoReader(buf);
  const sub = new ProtoReader(buf);
  while (!r.done) {
    const tag = r.varint();
    if (tag !== TAG_V1_SERIES) {
      r.skip(tag & 7);
      continue;
    }
    const end = r.lengthEnd();
    const start = r.pos;
    r.pos = end;
    // Where the labels are: Prometheus writes them first and together, which makes their
    // bytes a key for the series; protobuf allows any order, which is decoded the long way.
    let lStart = -1;
    let lEnd = -1;
    let together = true;
    sub.range(start, end);
    while (!sub.done) {
      const at = sub.pos;
      const t = sub.varint();
      if (t === TAG_V1_LABEL) {
        sub.pos = sub.lengthEnd();
        if (lStart < 0) lStart = at;
        else if (lEnd !== at) together = false;
        lEnd = sub.pos;
      } else {
        if (t === TAG_V1_HISTOGRAM) counts.histograms++;
        sub.skip(t & 7);
      }
    }
    const keyed = together && lStart >= 0;
    counts.series++;
    if (!keyed || !v.known?.(buf, lStart, lEnd)) {
      const labels: Labels = {};
      sub.range(start, end);
      while (!sub.done) {
        const t = sub.varint();
        if (t !== TAG_V1_LABEL) {
          sub.skip(t & 7);
          continue;
        }
        const len = sub.varint();
        const lEnd2 = sub.pos + len;
        if (lEnd2 > end) throw new ProtobufError(`label runs past its series at ${sub.pos}`);
        let name = '';
        let value = '';
        while (sub.pos < lEnd2) {
          const lt = sub.varint();
          if (lt === TAG_STRING_1) name = sub.string();
          else if (lt === TAG_STRING_2) value = sub.string();
          else sub.skip(lt & 7);
        }
        if (sub.pos !== lEnd2) throw new ProtobufError(`label runs past its message at ${lEnd2}`);
        addLabel(labels, name, value);
      }
      checkName(labels);
      v.series(labels, keyed ? { buf, start: lStart, end: lEnd } : undefined);
    }
    // Labels first and together (as Prometheus writes them): the samples are after them.
    counts.samples += samplesOf(sub, keyed && lStart === start ? lEnd : start, end, v);
  }
  return counts;
}

/** Decodes a 2.0 Request (a symbols table and label references into it). */
export function decodeWriteRequestV2(buf: Uint8Array, v: WriteVisitor): DecodeCounts {
  const counts: DecodeCounts = { series: 0, samples: 0, histograms: 0 };
  const symbols: string[] = [];
  const r = new ProtoReader(buf);
  // Symbols may follow the series on the wire: collect them first.
  while (!r.done) {
    const tag = r.varint();
    if (tag === TAG_V2_SYMBOL) symbols.push(r.string());
    else r.skip(tag & 7);
  }
  if (symbols.length > 0 && symbols[0] !== '')
    throw new RemoteWriteError('symbols[0] must be the empty string');
  const sym = (i: number): string => {
    const s = symbols[i];
    if (s === undefined)
      throw new RemoteWriteError(`label reference ${i} past ${symbols.length} symbols`);
    return s;
  };
  const sub = new ProtoReader(buf);
  r.range(0, buf.length);
  const refs: number[] = [];
  while (!r.done) {
    const tag = r.varint();
    if (tag !== TAG_V2_SERIES) {
      r.skip(tag & 7);
      continue;
    }
    const { start, end } = r.bytes();
    refs.length = 0;
    sub.range(start, end);
    while (!sub.done) {
      const t = sub.varint();
      if (t === TAG_V2_REFS_PACKED) {
        const len = sub.varint();
        const pEnd = sub.pos + len;
        if (pEnd > end) throw new ProtobufError(`label references run past their series`);
        while (sub.pos < pEnd) refs.push(sub.varint());
      } else if (t === TAG_V2_REF) refs.push(sub.varint());
      else {
        if (t === TAG_V2_HISTOGRAM) counts.histograms++;
        sub.skip(t & 7);
      }
    }
    if (refs.length % 2 !== 0) throw new RemoteWriteError('odd number of label references');
    // Symbol references are only meaningful within one request: no key.
    const labels: Labels = {};
    for (let i = 0; i < refs.length; i += 2) addLabel(labels, sym(refs[i]!), sym(refs[i + 1]!));
    checkName(labels);
    counts.series++;
    v.series(labels, undefined);
    counts.samples += samplesOf(sub, start, end, v);
  }
  return counts;
}

export { ProtobufError };
