import {
  blockTag,
  decodeTimestampBlock,
  decodeValueBlock,
  encodeTimestampBlock,
  encodeValueBlock,
} from '@ztsdb/blockenc';
import { XorAppender, XorIterator, decodeChunk } from '@ztsdb/chunkenc';
import { fillSeries } from './series-data';

const SERIES = Number(process.env.CODEC_SERIES ?? 10_000);
const POINTS = 3600;
const BATCH = 100;

function seconds(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e9;
}

interface ColdFigures {
  encodeMpps: number;
  decodeMpps: number;
  bytesPerSample: number;
  timestampBytesPerSample: number;
  valueBytesPerSample: number;
  tags: Record<string, number>;
}

/** Cold blocks: one timestamp block and one value block per series (3,600 points each). */
function cold(ts: Float64Array, vs: Float64Array): ColdFigures {
  let encSec = 0;
  let decSec = 0;
  let tsBytes = 0;
  let vBytes = 0;
  const tags: Record<string, number> = {};
  for (let b = 0; b < SERIES; b += BATCH) {
    const nb = Math.min(BATCH, SERIES - b);
    for (let s = 0; s < nb; s++) fillSeries(b + s, ts, vs, s * POINTS, POINTS);
    const blocks: Uint8Array[] = [];
    let t0 = process.hrtime.bigint();
    for (let s = 0; s < nb; s++) {
      const o = s * POINTS;
      blocks.push(encodeTimestampBlock(ts, o, o + POINTS), encodeValueBlock(vs, o, o + POINTS));
    }
    encSec += seconds(t0);
    t0 = process.hrtime.bigint();
    const decoded: Float64Array[] = [];
    for (let i = 0; i < blocks.length; i += 2) {
      decoded.push(decodeTimestampBlock(blocks[i]!), decodeValueBlock(blocks[i + 1]!));
    }
    decSec += seconds(t0);
    for (let i = 0; i < blocks.length; i += 2) {
      tsBytes += blocks[i]!.length;
      vBytes += blocks[i + 1]!.length;
      const tag = blockTag(blocks[i + 1]!);
      tags[tag] = (tags[tag] ?? 0) + 1;
      const o = (i / 2) * POINTS;
      const dt = decoded[i]!;
      const dv = decoded[i + 1]!;
      for (let k = 0; k < POINTS; k++) {
        if (dt[k] !== ts[o + k] || !Object.is(dv[k], vs[o + k]))
          throw new Error(`cold round trip failed at ${b + i / 2}:${k}`);
      }
    }
  }
  const points = SERIES * POINTS;
  return {
    encodeMpps: +(points / encSec / 1e6).toFixed(2),
    decodeMpps: +(points / decSec / 1e6).toFixed(2),
    bytesPerSample: +((tsBytes + vBytes) / points).toFixed(4),
    timestampBytesPerSample: +(tsBytes / points).toFixed(4),
    valueBytesPerSample: +(vBytes / points).toFixed(4),
    tags,
  };
}

function iterateAll(it: XorIterator, chunks: Uint8Array[], verify: boolean): number {
  let sum = 0;
  for (const c of chunks) {
    it.reset(c, verify);
    while (it.next()) sum += it.v;
  }
  return sum;
}

function decodeAll(chunks: Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += decodeChunk(c).values.length;
  return n;
}

function encodeBatch(
  app: XorAppender,
  ts: Float64Array,
  vs: Float64Array,
  nb: number,
  out: Uint8Array[],
): number {
  let bytes = 0;
  for (let s = 0; s < nb; s++) {
    app.reset();
    const o = s * POINTS;
    for (let i = 0; i < POINTS; i++) app.append(ts[o + i]!, vs[o + i]!);
    const c = app.bytes();
    out.push(c);
    bytes += c.length;
  }
  return bytes;
}

function main(): void {
  const ts = new Float64Array(BATCH * POINTS);
  const vs = new Float64Array(BATCH * POINTS);
  const chunks: Uint8Array[] = [];
  const app = new XorAppender(8192);
  let encSec = 0;
  let chunkBytes = 0;
  for (let b = 0; b < SERIES; b += BATCH) {
    const nb = Math.min(BATCH, SERIES - b);
    for (let s = 0; s < nb; s++) fillSeries(b + s, ts, vs, s * POINTS, POINTS);
    if (b === 0) encodeBatch(app, ts, vs, 20, []); // warm-up
    const t0 = process.hrtime.bigint();
    chunkBytes += encodeBatch(app, ts, vs, nb, chunks);
    encSec += seconds(t0);
  }
  const points = SERIES * POINTS;
  const it = new XorIterator();
  // Warm the decoders up on a few chunks so the timed passes run optimized code.
  let sum = 0;
  for (let k = 0; k < 3; k++) {
    sum += iterateAll(it, chunks.slice(0, 50), true) + iterateAll(it, chunks.slice(0, 50), false);
    sum += decodeAll(chunks.slice(0, 50));
  }
  let t0 = process.hrtime.bigint();
  sum += iterateAll(it, chunks, true);
  const iterSec = seconds(t0);
  t0 = process.hrtime.bigint();
  sum += iterateAll(it, chunks, false);
  const iterNoCrcSec = seconds(t0);
  t0 = process.hrtime.bigint();
  sum += decodeAll(chunks);
  const decSec = seconds(t0);
  const gorilla = {
    points,
    encodeMpps: +(points / encSec / 1e6).toFixed(2),
    iterateMpps: +(points / iterSec / 1e6).toFixed(2),
    iterateNoChecksumMpps: +(points / iterNoCrcSec / 1e6).toFixed(2),
    decodeChunkMpps: +(points / decSec / 1e6).toFixed(2),
    bytesPerSample: +(chunkBytes / points).toFixed(4),
  };
  console.log(
    `codec benchmark: ${SERIES} series × ${POINTS} points at a 1 s step (sum ${sum.toExponential(3)})`,
  );
  console.log('warm (Gorilla chunks, one per series):', gorilla);
  chunks.length = 0;
  const coldFigures = cold(ts, vs);
  console.log('cold (timestamp + value blocks per series):', coldFigures);
  console.log(
    JSON.stringify({
      benchmark: 'codec',
      series: SERIES,
      pointsPerSeries: POINTS,
      gorillaEncodeMpps: gorilla.encodeMpps,
      gorillaIterateMpps: gorilla.iterateMpps,
      gorillaIterateNoChecksumMpps: gorilla.iterateNoChecksumMpps,
      gorillaDecodeChunkMpps: gorilla.decodeChunkMpps,
      gorillaBytesPerSample: gorilla.bytesPerSample,
      coldEncodeMpps: coldFigures.encodeMpps,
      coldDecodeMpps: coldFigures.decodeMpps,
      coldBytesPerSample: coldFigures.bytesPerSample,
      coldTimestampBytesPerSample: coldFigures.timestampBytesPerSample,
      coldValueBytesPerSample: coldFigures.valueBytesPerSample,
    }),
  );
}

main();
