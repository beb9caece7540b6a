import { crc32c } from '@ztsdb/checksum';
import {
  decodeHotReply,
  decodeHotReplyPart,
  encodeHotReply,
  encodeHotReplyParts,
  HOT_REPLY_MIN_PART_BYTES,
  HotReplyAssembler,
  WireDecodeError,
  type HotReply,
  type SeriesPoints,
} from './index';

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

describe('hot reply in parts (version 2)', () => {
  const ramp = (id: bigint, n: number, t0 = 1_700_000_000_000): SeriesPoints => ({
    id,
    timestamps: Float64Array.from({ length: n }, (_, i) => t0 + i * 1000),
    values: Float64Array.from({ length: n }, (_, i) => i * 0.25 - 7),
  });
  const reply: HotReply = {
    partition: 3,
    series: [
      ramp(10n, 100),
      ramp(11n, 0),
      ramp(12n, 1),
      ramp(0xffffffffffffffffn, 257),
      ramp(13n, 3),
    ],
  };

  it('splits at every size into parts that fit and join back to the whole reply', () => {
    for (const maxBytes of [HOT_REPLY_MIN_PART_BYTES, 53, 64, 100, 333, 1000, 4096, 100_000]) {
      const parts = encodeHotReplyParts(reply, maxBytes);
      const asm = new HotReplyAssembler(3);
      // Out of order on purpose.
      const order = parts.map((_, i) => i).reverse();
      for (const i of order) {
        expect(parts[i]!.length).toBeLessThanOrEqual(maxBytes);
        const p = decodeHotReplyPart(parts[i]!);
        expect([p.part, p.parts, p.partition]).toEqual([i, parts.length, 3]);
        asm.add(parts[i]!);
      }
      expect(asm.complete).toBe(true);
      expect(asm.result()).toEqual(reply);
    }
  });

  it('is one message, decodable by decodeHotReply, when the reply fits', () => {
    const parts = encodeHotReplyParts(reply, 1 << 20);
    expect(parts).toHaveLength(1);
    expect(decodeHotReply(parts[0]!)).toEqual(reply);
  });

  it('refuses to decode one part of several as a whole reply', () => {
    const parts = encodeHotReplyParts(reply, 500);
    expect(parts.length).toBeGreaterThan(1);
    expect(() => decodeHotReply(parts[0]!)).toThrow(
      expect.objectContaining({ code: 'ZTSDB_WIRE_PARTIAL' }),
    );
  });

  it('reports missing parts and refuses an incomplete result', () => {
    const parts = encodeHotReplyParts(reply, 500);
    const asm = new HotReplyAssembler(3);
    expect(asm.missingParts()).toEqual([]);
    for (let i = 0; i < parts.length; i++) if (i !== 1) asm.add(parts[i]!);
    expect(asm.complete).toBe(false);
    expect(asm.missingParts()).toEqual([1]);
    expect(asm.expected).toBe(parts.length);
    expect(() => asm.result()).toThrow(expect.objectContaining({ code: 'ZTSDB_WIRE_PARTIAL' }));
  });

  it('refuses a part seen twice, of another partition, or of another split', () => {
    const parts = encodeHotReplyParts(reply, 500);
    const asm = new HotReplyAssembler(3);
    asm.add(parts[0]!);
    expect(() => asm.add(parts[0]!)).toThrow(
      expect.objectContaining({ code: 'ZTSDB_WIRE_MISMATCH' }),
    );
    expect(() => asm.add(encodeHotReplyParts({ ...reply, partition: 2 }, 500)[1]!)).toThrow(
      expect.objectContaining({ code: 'ZTSDB_WIRE_MISMATCH' }),
    );
    expect(() => asm.add(encodeHotReplyParts(reply, 2000)[1]!)).toThrow(
      expect.objectContaining({ code: 'ZTSDB_WIRE_MISMATCH' }),
    );
  });

  it('refuses a part index at or past the part count', () => {
    const bytes = encodeHotReplyParts(reply, 500)[0]!;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint16(12, view.getUint16(14, true), true);
    view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
    expect(() => decodeHotReplyPart(bytes)).toThrow(
      expect.objectContaining({ code: 'ZTSDB_WIRE_LENGTH' }),
    );
  });

  it('still reads a version 1 reply as part 1 of 1', () => {
    const bytes = encodeHotReply(reply);
    bytes[4] = 1;
    bytes.fill(0, 12, 16);
    new DataView(bytes.buffer).setUint32(
      bytes.length - 4,
      crc32c(bytes, 0, bytes.length - 4),
      true,
    );
    expect(decodeHotReplyPart(bytes)).toEqual({ ...reply, part: 0, parts: 1 });
  });

  it('starts with the documented header bytes', () => {
    const parts = encodeHotReplyParts({ partition: 1, series: [ramp(1n, 1)] }, 1 << 20);
    expect(Buffer.from(parts[0]!.subarray(0, 16)).toString('hex')).toBe(
      '5a54485202000100010000000000' + '0100',
    );
    expect(() => encodeHotReplyParts(reply, HOT_REPLY_MIN_PART_BYTES - 1)).toThrow(RangeError);
  });
});
