import { HotState } from '../head/hot-state';
import { decodeExtras, encodeExtras } from './ingest-record';

function stateWithHeld(): HotState {
  const s = new HotState(0, 10_000); // chunks span at most 10 s: some are sealed and held
  for (let k = 1; k <= 25; k++) {
    const ids = BigUint64Array.from([1n, 2n, 3n]);
    const ts = Float64Array.from([1, 2, 3], () => 1_700_000_000_000 + k * 1000);
    s.apply(k, ids, ts, Float64Array.from([k, k, k]), 3);
  }
  return s;
}

describe('ingest record (imeta `ingest`)', () => {
  it('round-trips the sequences beside the head', () => {
    const s = stateWithHeld();
    const held = s.heldList();
    held[0]!.published = true;
    const d = decodeExtras(encodeExtras(s, held));
    expect(d.appliedSeq).toBe(25);
    expect(Array.from(d.open)).toEqual(Array.from(s.firstSeqs().open));
    expect(Array.from(d.ooo)).toEqual(Array.from(s.firstSeqs().ooo));
    expect(Array.from(d.firstSeqs)).toEqual(held.map((c) => c.firstSeq));
    expect(Array.from(d.published)).toEqual(held.map((c) => (c.published ? 1 : 0)));
  });

  it('refuses a flipped bit, a wrong version and a wrong length', () => {
    const s = stateWithHeld();
    const b = encodeExtras(s, s.heldList());
    const flipped = Buffer.from(b);
    flipped[30] = flipped[30]! ^ 1;
    expect(() => decodeExtras(flipped)).toThrow(/CRC-32C/);
    const version = Buffer.from(b);
    version[0] = 9;
    expect(() => decodeExtras(version)).toThrow(/header/);
    expect(() => decodeExtras(b.subarray(0, b.length - 1))).toThrow(/CRC-32C|length/);
    expect(() => decodeExtras(b.subarray(0, 10))).toThrow(/header/);
  });
});
