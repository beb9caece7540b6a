import { decodeHotReply, encodeHotReply, WireDecodeError } from './index';

describe('hot reply', () => {
  const reply = {
    partition: 2,
    series: [
      {
        id: 0xfedcba9876543210n,
        timestamps: Float64Array.of(1, 2_000_000_000_000),
        values: Float64Array.of(0.5, -1),
      },
      { id: 1n, timestamps: new Float64Array(0), values: new Float64Array(0) },
    ],
  };

  it('round-trips', () => {
    const back = decodeHotReply(encodeHotReply(reply));
    expect(back).toEqual(reply);
    expect(decodeHotReply(encodeHotReply({ partition: 0, series: [] }))).toEqual({
      partition: 0,
      series: [],
    });
  });

  it('refuses every truncation and every flipped bit with a WireDecodeError', () => {
    const bytes = encodeHotReply(reply);
    for (let len = 0; len < bytes.length; len++)
      expect(() => decodeHotReply(bytes.subarray(0, len))).toThrow(WireDecodeError);
    for (let i = 0; i < bytes.length; i++) {
      const copy = new Uint8Array(bytes);
      copy[i]! ^= 0x10;
      expect(() => decodeHotReply(copy)).toThrow(WireDecodeError);
    }
  });
});
