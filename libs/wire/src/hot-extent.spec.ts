import { WireDecodeError } from './errors';
import { decodeHotExtent, encodeHotExtent, EMPTY_EXTENT, type HotExtent } from './hot-extent';

const base: HotExtent = {
  partition: 3,
  owner: 'ingestor-a',
  instance: '0123456789abcdef',
  seq: 7,
  state: 'serving',
  minT: 1_796_054_910_000,
  maxT: 1_796_058_510_000,
};

const raw = (o: unknown): Uint8Array => Buffer.from(JSON.stringify(o));
const valid = JSON.parse(Buffer.from(encodeHotExtent(base)).toString()) as Record<string, unknown>;

describe('hot extent message', () => {
  it('round-trips a range, an empty extent and a stop', () => {
    expect(decodeHotExtent(encodeHotExtent(base))).toEqual(base);
    const empty = { ...base, ...EMPTY_EXTENT };
    expect(decodeHotExtent(encodeHotExtent(empty))).toEqual(empty);
    const stopped = { ...base, state: 'stopped' as const, seq: 8 };
    expect(decodeHotExtent(encodeHotExtent(stopped))).toEqual(stopped);
    // One point: minT = maxT is a range, not empty.
    const one = { ...base, minT: 5, maxT: 5 };
    expect(decodeHotExtent(encodeHotExtent(one))).toEqual(one);
  });

  it('writes an empty extent as nulls', () => {
    const o = JSON.parse(Buffer.from(encodeHotExtent({ ...base, ...EMPTY_EXTENT })).toString());
    expect(o).toMatchObject({ v: 1, minT: null, maxT: null });
  });

  it.each([
    ['not JSON', Buffer.from('{"v":1,'), /not JSON/],
    ['not an object', raw(null), /not an object/],
    ['another version', raw({ ...valid, v: 2 }), /version 2/],
    ['no version', raw({ ...valid, v: undefined }), /version/],
    ['a negative partition', raw({ ...valid, p: -1 }), /partition/],
    ['a fractional partition', raw({ ...valid, p: 1.5 }), /partition/],
    ['no owner', raw({ ...valid, owner: '' }), /owner/],
    ['no instance', raw({ ...valid, instance: 5 }), /instance/],
    ['seq 0', raw({ ...valid, seq: 0 }), /seq/],
    ['an unsafe seq', raw({ ...valid, seq: 2 ** 53 }), /seq/],
    ['an unknown state', raw({ ...valid, state: 'paused' }), /state/],
    ['minT above maxT', raw({ ...valid, minT: 10, maxT: 9 }), /minT/],
    ['one bound null', raw({ ...valid, minT: null }), /minT/],
    ['a string bound', raw({ ...valid, maxT: '9' }), /minT/],
  ])('refuses %s', (_, data, why) => {
    expect(() => decodeHotExtent(data)).toThrow(WireDecodeError);
    expect(() => decodeHotExtent(data)).toThrow(why);
  });

  it('refuses every truncation of a valid message', () => {
    const bytes = encodeHotExtent(base);
    for (let n = 0; n < bytes.length; n++)
      expect(() => decodeHotExtent(bytes.subarray(0, n))).toThrow(WireDecodeError);
  });
});
