import {
  MAX_BLOCK_POINTS,
  decodeTimestampBlock,
  decodeValueBlock,
  encodeTimestampBlock,
  encodeValueBlock,
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
    ];
  },
};
