import { ByteWriter } from './byte-io';

describe('ByteWriter.into', () => {
  it('writes into the given buffer from its start, whatever it held', () => {
    const buf = new Uint8Array(16).fill(0xff);
    const w = ByteWriter.into(buf.subarray(4));
    w.u32(0x01020304).u8(9);
    expect(w.whole()).toStrictEqual(buf.subarray(4));
    expect(Array.from(buf.subarray(0, 10))).toEqual([255, 255, 255, 255, 4, 3, 2, 1, 9, 255]);
    expect(Array.from(w.view8())).toEqual([4, 3, 2, 1, 9]);
  });

  it('goes on in a larger buffer of its own past the end, the bytes so far copied', () => {
    const buf = new Uint8Array(4);
    const w = ByteWriter.into(buf);
    w.u32(7).f64(1.5);
    expect(w.whole()).not.toBe(buf);
    expect(w.whole().length).toBeGreaterThanOrEqual(12);
    const v = new DataView(w.view8().buffer);
    expect(v.getUint32(0, true)).toBe(7);
    expect(v.getFloat64(4, true)).toBe(1.5);
  });
});
