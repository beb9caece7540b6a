import {
  MAX_CHUNK_POINTS,
  XorIterator,
  checkChunk,
  compactChunk,
  decodeChunk,
  encodeChunk,
  encodeChunkCompact,
  encodePackedChunk,
} from '@ztsdb/chunkenc';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, sameFloats, sameNumbers, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

/** Decodes `chunk` with decodeChunk and XorIterator; both must agree. */
function decodeBoth(chunk: Uint8Array, verify: boolean): void {
  const d = decodeOrTyped('decodeChunk', () => decodeChunk(chunk, verify));
  if (d) {
    check(d.timestamps.length === d.values.length, 'columns differ in length');
    check(d.timestamps.length <= MAX_CHUNK_POINTS, 'more points than a chunk may hold');
    if (chunk[0] === 1) {
      const it = new XorIterator();
      const ts: number[] = [];
      const vs: number[] = [];
      decodeOrTyped('XorIterator', () => {
        it.reset(chunk, verify);
        while (it.next()) {
          ts.push(it.t);
          vs.push(it.v);
        }
      });
      // The iterator may stop on a corrupt tail the bulk decoder rejects, never disagree on a
      // good one. Its values pass through plain numbers, which may quiet a signalling NaN.
      check(
        ts.length > d.timestamps.length ||
          (sameNumbers(ts, d.timestamps.subarray(0, ts.length)) &&
            sameNumbers(vs, d.values.subarray(0, vs.length))),
        'XorIterator and decodeChunk disagree',
      );
    }
    const c = decodeOrTyped('compactChunk', () => compactChunk(chunk));
    if (c && verify) {
      const again = decodeChunk(c);
      check(
        sameFloats(again.timestamps, d.timestamps) && sameFloats(again.values, d.values),
        'compactChunk changed the points',
      );
    }
  } else {
    decodeOrTyped('checkChunk', () => checkChunk(chunk, verify));
  }
}

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const n = inp.int(300);
  const ts = inp.timestamps(n);
  const decimals = inp.u8() & 1;
  const vs = ts.map(() => (decimals ? Math.round(inp.value() * 100) / 100 : inp.value()));
  for (const chunk of [
    encodeChunk(ts, vs),
    encodeChunkCompact(ts, vs),
    encodePackedChunk(ts, vs, 0, n),
  ]) {
    if (chunk === null) continue;
    const d = decodeChunk(chunk);
    check(sameFloats(d.timestamps, ts), `timestamps do not round-trip (version ${chunk[0]})`);
    check(sameFloats(d.values, vs), `values do not round-trip (version ${chunk[0]})`);
  }
}

export const gorillaChunkTarget: FuzzTarget = {
  name: 'chunk',
  description: 'libs/chunkenc decodeChunk / XorIterator / compactChunk (Gorilla v1 and packed v2)',
  run(data) {
    decodeBoth(data, true);
    decodeBoth(data, false);
    decodeBoth(withCrcLE(data, data.length - 4, 0, true), true);
    roundTrip(data);
  },
  seeds() {
    const t0 = 1_700_000_000_000;
    const ts = Array.from({ length: 50 }, (_, i) => t0 + i * 1000 + (i % 7 === 0 ? 3 : 0));
    const decimals = ts.map((_, i) => Math.round(Math.sin(i) * 1000) / 100);
    const floats = ts.map((_, i) => Math.sin(i) * 1e6);
    return [
      encodeChunk([], []),
      encodeChunk([t0], [1]),
      encodeChunk(ts, floats),
      encodeChunk(ts, [...floats.slice(0, 10), NaN, -0, Infinity, ...floats.slice(13)]),
      encodePackedChunk(ts, decimals, 0, ts.length)!,
      encodeChunk([t0, t0 - 5, t0 + 2 ** 40], [0, 0, 0]),
    ];
  },
};
