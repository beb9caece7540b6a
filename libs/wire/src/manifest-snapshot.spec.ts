import {
  decodeManifestSnapshot,
  encodeManifestSnapshot,
  isManifestSnapshot,
  type ManifestSnapshot,
} from './manifest-snapshot';
import { encodeManifestEvent } from './manifest-event';

const snap = (over: Partial<ManifestSnapshot> = {}): ManifestSnapshot => ({
  partition: 2,
  atMs: 1_700_000_000_000,
  throughSeq: 41,
  files: [
    {
      file: 'cold/p2/w001700000000000-g0000000007.cold',
      tier: 'cold',
      partition: 2,
      bytes: 1234,
      crc32c: 0xdeadbeef,
      minT: 1,
      maxT: 2,
      seriesCount: 3,
      points: 4,
      atMs: 5,
      objectName: 'a field this version does not know',
    },
    {
      file: 'warm/p2/seg-000000000009.warm',
      tier: 'warm',
      partition: 2,
      bytes: 10,
      crc32c: 0,
      minT: 0,
      maxT: 0,
      seriesCount: 0,
      points: 0,
      atMs: 5,
      supersededAtMs: 6,
      supersededBy: 'cold/p2/w001700000000000-g0000000007.cold',
    },
  ],
  removed: ['warm/p2/seg-000000000003.warm'],
  warmSeq: 9,
  coldGen: 7,
  chunksThrough: 812,
  newestChunks: { max: 900, batchMin: 850 },
  ...over,
});

describe('manifest snapshot frame', () => {
  it('round-trips whole entries, fields it does not know included', () => {
    const bytes = encodeManifestSnapshot(snap());
    expect(isManifestSnapshot(bytes)).toBe(true);
    expect(decodeManifestSnapshot(bytes)).toEqual(snap());
  });

  it('round-trips the boundaries: no file, no newest chunks, every count zero', () => {
    const s = snap({
      files: [],
      removed: [],
      newestChunks: undefined,
      throughSeq: 0,
      warmSeq: 0,
      coldGen: 0,
      chunksThrough: 0,
    });
    expect(decodeManifestSnapshot(encodeManifestSnapshot(s))).toEqual(
      JSON.parse(JSON.stringify(s)),
    );
  });

  it('is told apart from a manifest event by its magic', () => {
    const e = encodeManifestEvent({
      kind: 'expired',
      partition: 0,
      file: 'cold/p0/w001700000000000-g0000000001.cold',
      bytes: 0,
      crc32c: 0,
      minT: 0,
      maxT: 0,
      seriesCount: 0,
      points: 0,
      atMs: 0,
    });
    expect(isManifestSnapshot(e)).toBe(false);
    expect(isManifestSnapshot(new Uint8Array(3))).toBe(false);
    expect(() => decodeManifestSnapshot(e)).toThrow(/not a manifest snapshot/);
  });

  it('refuses damaged frames with the code of what is wrong', () => {
    const good = encodeManifestSnapshot(snap());
    const bad = (f: (b: Uint8Array) => Uint8Array): unknown => {
      try {
        decodeManifestSnapshot(f(good.slice()));
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'decoded';
    };
    expect(bad((b) => b.subarray(0, 10))).toBe('ZTSDB_WIRE_SHORT');
    expect(bad((b) => ((b[4] = 2), b))).toBe('ZTSDB_WIRE_VERSION');
    expect(bad((b) => b.subarray(0, b.length - 1))).toBe('ZTSDB_WIRE_LENGTH');
    expect(bad((b) => ((b[20] = b[20]! ^ 1), b))).toBe('ZTSDB_WIRE_CHECKSUM');
    for (let i = 0; i < good.length; i += 5) {
      const b = good.slice();
      b[i] = b[i]! ^ 0x40;
      expect(() => decodeManifestSnapshot(b)).toThrow(/manifest snapshot/);
    }
  });

  it('refuses a body of the wrong shape, saying where', () => {
    const reframe = (body: unknown) => {
      const json = new TextEncoder().encode(JSON.stringify(body));
      const b = encodeManifestSnapshot(snap({ files: [] }));
      const out = new Uint8Array(16 + json.length);
      out.set(b.subarray(0, 12));
      new DataView(out.buffer).setUint32(8, json.length, true);
      out.set(json, 12);
      const { crc32c } = jest.requireActual('@ztsdb/checksum');
      new DataView(out.buffer).setUint32(out.length - 4, crc32c(out, 0, out.length - 4), true);
      return out;
    };
    const s = snap() as unknown as Record<string, unknown>;
    expect(() => decodeManifestSnapshot(reframe([]))).toThrow(/not an object/);
    expect(() => decodeManifestSnapshot(reframe({ ...s, throughSeq: -1 }))).toThrow(/throughSeq/);
    expect(() => decodeManifestSnapshot(reframe({ ...s, removed: [1] }))).toThrow(/removed/);
    expect(() => decodeManifestSnapshot(reframe({ ...s, newestChunks: { max: 1 } }))).toThrow(
      /newestChunks/,
    );
    const files = snap().files;
    expect(() =>
      decodeManifestSnapshot(reframe({ ...s, files: [files[0], { ...files[1], partition: 3 }] })),
    ).toThrow(/files\[1\]: partition is not 2/);
    expect(() =>
      decodeManifestSnapshot(reframe({ ...s, files: [{ ...files[0], bytes: '1' }] })),
    ).toThrow(/files\[0\]: bytes/);
    expect(() =>
      decodeManifestSnapshot(reframe({ ...s, files: [{ ...files[0], tier: 'hot' }] })),
    ).toThrow(/tier/);
  });
});
