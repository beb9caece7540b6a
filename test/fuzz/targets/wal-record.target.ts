import {
  decodeWalRecord,
  encodeSamplesRecord,
  encodeSamplesRecordFromSlots,
  encodeSealRecord,
  type WalRecord,
} from '@ztsdb/tsdb';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, sameFloats, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

function checkRecord(r: WalRecord, length: number): void {
  if (r.type === 'seal') return;
  const n = r.seriesIds.length;
  check(r.timestamps.length === n && r.values.length === n, 'columns differ in length');
  check(n * 16 <= length, 'count not backed by the bytes');
}

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const n = inp.int(100);
  const ids = Array.from({ length: n }, () => inp.u64());
  const ts = inp.timestamps(n);
  const vs = ts.map(() => inp.value());
  const plain = decodeWalRecord(encodeSamplesRecord(ids, ts, vs, n), 1);
  check(plain.type === 'samples', 'samples record decoded as another type');
  check(
    [...plain.seriesIds].every((id, i) => id === ids[i]),
    'ids do not round-trip (v1)',
  );
  check(
    sameFloats(plain.timestamps, ts) && sameFloats(plain.values, vs),
    'points do not round-trip (v1)',
  );
  const series = ids.map((id) => ({ id }));
  const slots = Int32Array.from(ids.map((_, i) => i));
  const compact = decodeWalRecord(
    encodeSamplesRecordFromSlots(series, slots, Float64Array.from(ts), Float64Array.from(vs), n),
    2,
  );
  check(compact.type === 'samples', 'compact record decoded as another type');
  check(
    [...compact.seriesIds].every((id, i) => id === ids[i]),
    'ids do not round-trip (v2)',
  );
  check(
    sameFloats(compact.timestamps, ts) && sameFloats(compact.values, vs),
    'points do not round-trip (v2)',
  );
  const now = inp.f64();
  const seal = decodeWalRecord(encodeSealRecord(now), 3);
  check(seal.type === 'seal' && sameFloats([seal.nowMs], [now]), 'seal record does not round-trip');
}

export const walRecordTarget: FuzzTarget = {
  name: 'wal-record',
  description: 'libs/tsdb decodeWalRecord (embedded engine WAL, versions 1 and 2)',
  run(data) {
    for (const msg of [data, withCrcLE(data, data.length - 4, 0)]) {
      const r = decodeOrTyped('decodeWalRecord', () => decodeWalRecord(msg, 7));
      if (r) checkRecord(r, msg.length);
    }
    roundTrip(data);
  },
  seeds() {
    const t0 = 1_700_000_000_000;
    const ids = [1n, 2n, 3n];
    const ts = Float64Array.from([t0, t0 + 10, t0 + 300]);
    const vs = Float64Array.from([1, NaN, -0]);
    const slots = Int32Array.from([0, 1, 2]);
    const series = ids.map((id) => ({ id }));
    return [
      encodeSamplesRecord(ids, ts, vs, 3),
      encodeSamplesRecord([], [], [], 0),
      encodeSealRecord(t0),
      encodeSamplesRecordFromSlots(series, slots, ts, vs, 3),
      encodeSamplesRecordFromSlots(series, slots, Float64Array.from([t0, t0, t0]), vs, 3),
      encodeSamplesRecordFromSlots(series, slots, Float64Array.from([0, 2 ** 40, 5]), vs, 3),
    ];
  },
};
