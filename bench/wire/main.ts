/**
 * Sample batch codecs (docs/format/sample-batch.md), encode and decode alone: bytes per
 * sample and CPU nanoseconds per sample of versions 1, 2 and 3 (3 with raw values too), on the
 * batch shapes the producers make:
 * - import: time-major, every series each tick, 16,384-point batches cut mid-tick (as
 *   `ztsdb import` sends one partition's points);
 * - scrape: one tick of every series (the collector);
 * - remote-write: series-major, each series with a few samples at the same timestamps.
 * Codecs alternate within every round, so a noisy machine hits them alike; the figures are
 * medians over rounds. The last line is a JSON object.
 */
import {
  decodeSampleBatch,
  encodeSampleBatch,
  encodeSampleBatchV2,
  encodeSampleBatchV3,
} from '@ztsdb/wire';
import { fillSeries } from '../codec/series-data';

const SERIES = Number(process.env.WIRE_BENCH_SERIES ?? 2500);
const TICKS = Number(process.env.WIRE_BENCH_TICKS ?? 120);
const ROUNDS = Number(process.env.WIRE_BENCH_ROUNDS ?? 7);
const IMPORT_BATCH = 16_384;
const RW_SERIES = 200;
const RW_SAMPLES = 10;

interface Columns {
  ids: BigUint64Array;
  ts: Float64Array;
  vs: Float64Array;
  count: number;
}

type Codec = 'v1' | 'v2' | 'v3-raw' | 'v3';
const CODECS: Codec[] = ['v1', 'v2', 'v3-raw', 'v3'];
const header = { partition: 0, producerId: 0x1234n, sequence: 0n };

function seriesId(s: number): bigint {
  return (0x9e3779b97f4a7c15n * BigInt(s + 1)) & 0xffffffffffffffffn;
}

/** Per series its points, time-major flattening done by the shapes below. */
function seriesData(): { ts: Float64Array; vs: Float64Array } {
  const ts = new Float64Array(SERIES * TICKS);
  const vs = new Float64Array(SERIES * TICKS);
  for (let s = 0; s < SERIES; s++) fillSeries(s, ts, vs, s * TICKS, TICKS);
  return { ts, vs };
}

function empty(n: number): Columns {
  return { ids: new BigUint64Array(n), ts: new Float64Array(n), vs: new Float64Array(n), count: 0 };
}

function timeMajor(batchSize: number, data: { ts: Float64Array; vs: Float64Array }): Columns[] {
  const ids = Array.from({ length: SERIES }, (_, s) => seriesId(s));
  const out: Columns[] = [];
  let cur = empty(batchSize);
  for (let t = 0; t < TICKS; t++)
    for (let s = 0; s < SERIES; s++) {
      const n = cur.count++;
      cur.ids[n] = ids[s]!;
      cur.ts[n] = data.ts[s * TICKS + t]!;
      cur.vs[n] = data.vs[s * TICKS + t]!;
      if (cur.count === batchSize) {
        out.push(cur);
        cur = empty(batchSize);
      }
    }
  if (cur.count > 0) out.push(cur);
  return out;
}

function seriesMajor(data: { ts: Float64Array; vs: Float64Array }): Columns[] {
  const out: Columns[] = [];
  const per = RW_SERIES * RW_SAMPLES;
  for (let t0 = 0; t0 + RW_SAMPLES <= TICKS; t0 += RW_SAMPLES)
    for (let s0 = 0; s0 + RW_SERIES <= SERIES; s0 += RW_SERIES) {
      const c = empty(per);
      for (let s = s0; s < s0 + RW_SERIES; s++)
        for (let t = t0; t < t0 + RW_SAMPLES; t++) {
          const n = c.count++;
          c.ids[n] = seriesId(s);
          c.ts[n] = data.ts[s * TICKS + t]!;
          c.vs[n] = data.vs[s * TICKS + t]!;
        }
      out.push(c);
    }
  return out;
}

function encode(codec: Codec, c: Columns): Uint8Array {
  switch (codec) {
    case 'v1':
      return encodeSampleBatch(header, c.ids, c.ts, c.vs, c.count);
    case 'v2':
      return encodeSampleBatchV2(header, c.ids, c.ts, c.vs, c.count)!;
    case 'v3-raw':
      return encodeSampleBatchV3(header, c.ids, c.ts, c.vs, c.count, 'raw');
    case 'v3':
      return encodeSampleBatchV3(header, c.ids, c.ts, c.vs, c.count);
  }
}

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function check(codec: Codec, c: Columns, bytes: Uint8Array): void {
  const b = decodeSampleBatch(bytes);
  for (let i = 0; i < c.count; i++)
    if (
      b.seriesIds[i] !== c.ids[i] ||
      b.timestamps[i] !== c.ts[i] ||
      !Object.is(b.values[i], c.vs[i])
    )
      throw new Error(`${codec}: point ${i} does not round-trip`);
}

interface Figures {
  bytesPerSample: number;
  encodeNsPerSample: number;
  decodeNsPerSample: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(batches: Columns[]): Record<Codec, Figures> {
  const points = batches.reduce((n, b) => n + b.count, 0);
  const enc: Record<string, number[]> = {};
  const dec: Record<string, number[]> = {};
  const size: Record<string, number> = {};
  for (const codec of CODECS) {
    enc[codec] = [];
    dec[codec] = [];
    let bytes = 0;
    for (const b of batches) {
      const m = encode(codec, b);
      check(codec, b, m);
      bytes += m.length;
    }
    size[codec] = bytes / points;
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? CODECS : [...CODECS].reverse();
    for (const codec of order) {
      let t = cpuNs();
      const msgs = batches.map((b) => encode(codec, b));
      enc[codec]!.push((cpuNs() - t) / points);
      t = cpuNs();
      let n = 0;
      for (const m of msgs) n += decodeSampleBatch(m).count;
      dec[codec]!.push((cpuNs() - t) / points);
      if (n !== points) throw new Error(`${codec}: decoded ${n} of ${points} points`);
    }
  }
  const out = {} as Record<Codec, Figures>;
  for (const codec of CODECS)
    out[codec] = {
      bytesPerSample: Math.round(size[codec]! * 1000) / 1000,
      encodeNsPerSample: Math.round(median(enc[codec]!) * 10) / 10,
      decodeNsPerSample: Math.round(median(dec[codec]!) * 10) / 10,
    };
  return out;
}

function main(): void {
  const data = seriesData();
  const shapes = {
    import: timeMajor(IMPORT_BATCH, data),
    scrape: timeMajor(SERIES, data),
    remoteWrite: seriesMajor(data),
  };
  const result: Record<string, unknown> = { series: SERIES, ticks: TICKS, rounds: ROUNDS };
  for (const [name, batches] of Object.entries(shapes)) {
    const figures = measure(batches);
    result[name] = figures;
    for (const codec of CODECS) {
      const f = figures[codec];
      console.log(
        `${name.padEnd(12)} ${codec.padEnd(7)} ${f.bytesPerSample.toFixed(3).padStart(7)} B/sample  encode ${f.encodeNsPerSample.toFixed(1).padStart(6)} ns  decode ${f.decodeNsPerSample.toFixed(1).padStart(6)} ns`,
      );
    }
  }
  console.log(JSON.stringify(result));
}

main();
