import {
  MAX_BLOCK_POINTS,
  decodeTimestampBlock,
  decodeValueBlock,
  encodeTimestampBlock,
  encodeValueBlock,
  pickPackedLaidOut,
  pickValueBlock,
  steadyTimestamps,
  valueBlockLayoutInto,
  valueBlockLayoutLength,
} from '@ztsdb/blockenc';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, sameFloats, type FuzzTarget } from '../fuzz-target';

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const n = inp.int(400);
  const ts = inp.timestamps(n).map((t, i) => (inp.u8() < 8 ? t - i * 7 : t));
  const kind = inp.u8() % 3;
  const vs = ts.map((_, i) =>
    kind === 0 ? inp.value() : kind === 1 ? Math.round(inp.value() * 1000) / 1000 : i % 5,
  );
  const tb = encodeTimestampBlock(ts);
  const vb = encodeValueBlock(vs);
  check(sameFloats(decodeTimestampBlock(tb), ts), `timestamps do not round-trip (tag ${tb[0]})`);
  check(sameFloats(decodeValueBlock(vb), vs), `values do not round-trip (tag ${vb[0]})`);
  // Read by index: every third value, as a step-sampled read asks.
  const idx = Uint32Array.from({ length: Math.ceil(vs.length / 3) }, (_, i) => i * 3);
  const picked = new Float64Array(idx.length);
  if (vs.length > 0) pickValueBlock(vb, idx, 0, idx.length, 0, picked);
  check(
    sameFloats(
      picked,
      // A typed array: a plain one that V8 stores as doubles would lose NaN payloads.
      Float64Array.from(idx, (i) => vs[i]!),
    ),
    `values picked by index differ (tag ${vb[0]})`,
  );
  const laid = laidOutPicks(vb, idx);
  if (laid) check(sameFloats(laid, picked), 'values picked from a layout differ');
  const steady = steadyTimestamps(tb);
  if (steady)
    check(
      ts.every((t, i) => t === steady.t0 + i * steady.step),
      'steady timestamps differ from the decoded ones',
    );
}

/**
 * Values at `idx` read through the block's layout (a mapped cold file's readied block), or
 * undefined when it has none; a damaged block is refused with a typed error.
 */
function laidOutPicks(block: Uint8Array, idx: Uint32Array): Float64Array | undefined {
  const len = decodeOrTyped('valueBlockLayoutLength', () => valueBlockLayoutLength(block));
  if (!len) return undefined;
  const lay = new Float64Array(len);
  const n = decodeOrTyped('valueBlockLayoutInto', () => valueBlockLayoutInto(block, lay, 0));
  if (n === undefined || n === 0) return undefined;
  const ok = idx.filter((i) => i < n);
  const out = new Float64Array(ok.length);
  pickPackedLaidOut(block, 0, lay, 0, ok, 0, ok.length, 0, out);
  return out;
}

/** Picks from a fuzzed block: decoded values at those indexes, or a typed error. */
function pickAll(data: Uint8Array, all: Float64Array | undefined): void {
  const idx = Uint32Array.from({ length: 40 }, (_, i) => i * 7);
  const out = new Float64Array(idx.length);
  const n = decodeOrTyped('pickValueBlock', () => pickValueBlock(data, idx, 0, idx.length, 0, out));
  if (n !== undefined && all)
    check(
      sameFloats(
        out,
        Float64Array.from(idx, (i) => all[i]!),
      ),
      'values picked by index differ from the decoded ones',
    );
  // A block laid out is one the picks read too, and gives the same values.
  // (when it holds every index asked: a shorter one is refused by pickValueBlock for that).
  const laid = laidOutPicks(data, idx);
  if (laid && laid.length === idx.length) {
    check(n !== undefined, 'a block laid out is refused by pickValueBlock');
    check(sameFloats(laid, out), 'values picked from a layout differ');
  }
}

export const blockTarget: FuzzTarget = {
  name: 'block',
  description: 'libs/blockenc decodeTimestampBlock / decodeValueBlock (cold file columns)',
  run(data) {
    const t = decodeOrTyped('decodeTimestampBlock', () => decodeTimestampBlock(data));
    if (t) {
      check(t.length <= MAX_BLOCK_POINTS, 'more timestamps than a block may hold');
      check(t.every(Number.isSafeInteger), 'a timestamp is not a safe integer');
    }
    const v = decodeOrTyped('decodeValueBlock', () => decodeValueBlock(data));
    if (v) check(v.length <= MAX_BLOCK_POINTS, 'more values than a block may hold');
    pickAll(data, v && v.length >= 274 ? v : undefined);
    const st = decodeOrTyped('steadyTimestamps', () => steadyTimestamps(data));
    if (st && t)
      check(
        t.every((x, i) => x === st.t0 + i * st.step),
        'steady timestamps differ',
      );
    roundTrip(data);
  },
  seeds() {
    const t0 = 1_700_000_000_000;
    const regular = Array.from({ length: 100 }, (_, i) => t0 + i * 1000);
    const jitter = regular.map((t, i) => t + ((i * 37) % 11));
    const random = regular.map((_, i) => Math.sin(i) * 1e9);
    return [
      encodeTimestampBlock([]),
      encodeTimestampBlock(regular),
      encodeTimestampBlock(jitter),
      encodeTimestampBlock([t0, -t0, 2 ** 52]),
      encodeValueBlock(regular.map(() => 4.5)),
      encodeValueBlock(regular.map((_, i) => i / 10)),
      encodeValueBlock(random),
      encodeValueBlock([NaN, -0, Infinity, -Infinity, 1e-300]),
      encodeValueBlock(regular.map((_, i) => (i % 3) * 1.25)),
      encodeValueBlock(Array.from({ length: 5000 }, (_, i) => i % 17)),
      // Packed decimals (readable by index): a noisy gauge and a counter.
      encodeValueBlock(regular.map((_, i) => Math.round((20 + Math.sin(i * 7.3) * 3) * 100) / 100)),
      encodeValueBlock(
        Array.from({ length: 400 }, (_, i) => 1e6 + i * 1000 + Math.round(Math.sin(i) * 40)),
      ),
    ];
  },
};
