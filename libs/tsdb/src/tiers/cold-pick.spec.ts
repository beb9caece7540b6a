import { mulberry32 as rng } from '@ztsdb/synthetic';
import { blockTag } from '@ztsdb/blockenc';
import { crc32c } from '@ztsdb/checksum';
import type { ZtsdbError } from '@ztsdb/errors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { residentKbOf } from '@ztsdb/testing';
import { ColdReader } from './cold-reader';
import { encodeColdFile, writeColdFile } from './cold-writer';
import { TierReader } from './tier-reader';
import { removeDir, tempDir } from '../testing/model';
import {
  COLD_BLOCK_ENTRY_BYTES,
  COLD_FOOTER_BYTES,
  COLD_HEADER_BYTES,
  COLD_SERIES_ENTRY_BYTES,
  COLD_VERSION,
  type ColdSeries,
} from './cold-format';
import { thinUnit, type StepInstants } from '../encoding/step-thin';

const BASE = 1_700_000_000_000;

const concat = (pieces: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(pieces));

/** Series 1: a decimal gauge (packed blocks); 2: a counter; 3: floats (XOR); 4: irregular times. */
function fleet(r: () => number, n: number): ColdSeries[] {
  const steady = Float64Array.from({ length: n }, (_, i) => BASE + i * 1000);
  let c = 5e6;
  let t = BASE;
  return [
    {
      seriesId: 1n,
      version: 3,
      timestamps: steady,
      values: Float64Array.from(steady, () => Math.round((10 + r() * 4) * 100) / 100),
    },
    {
      seriesId: 2n,
      version: 1,
      timestamps: steady,
      values: Float64Array.from(steady, () => (c += Math.round(r() * 900))),
    },
    {
      seriesId: 3n,
      version: 1,
      timestamps: steady,
      values: Float64Array.from(steady, (_, i) => Math.sin(i * 0.1) * 1e-3 + r()),
    },
    {
      seriesId: 4n,
      version: 2,
      timestamps: Float64Array.from(steady, () => (t += 500 + Math.floor(r() * 2000))),
      values: Float64Array.from(steady, () => Math.round(r() * 5000) / 10),
    },
  ];
}

const points = (p: { timestamps: Float64Array; values: Float64Array; version: number } | null) =>
  p && { t: Array.from(p.timestamps), v: Array.from(p.values), version: p.version };

/** readAtInstants against thinning the whole read, as the decoded cache does. */
function sameAsThinnedRead(
  r: ColdReader,
  id: bigint,
  start: number,
  end: number,
  inst: StepInstants,
): void {
  const skippedA: ZtsdbError[] = [];
  const skippedB: ZtsdbError[] = [];
  const whole = r.read(id, start, end, (e) => skippedA.push(e));
  const want = whole && thinUnit(whole, start, end, inst);
  const got = r.readAtInstants(id, start, end, inst, (e) => skippedB.push(e));
  expect(points(got)).toEqual(points(want));
  expect(skippedB.map((e) => e.context.offset)).toEqual(skippedA.map((e) => e.context.offset));
}

describe('cold files: step-sampled reads by index (format version 3)', () => {
  const r = rng(3);
  const meta = { partition: 1, windowStart: BASE, windowEnd: BASE + 7_200_000, blockPoints: 1000 };
  const series = fleet(r, 3600);
  const buf = concat(encodeColdFile(meta, series));

  it("writes packed blocks within the writer's slack only (ZTSDB_COLD_PACKED_SLACK_PERCENT)", () => {
    const strict = concat(encodeColdFile({ ...meta, packedSlack: 1 }, series));
    const loose = concat(encodeColdFile({ ...meta, packedSlack: 4 }, series));
    // A looser slack trades bytes for blocks readable by index; 1 takes the smallest only.
    expect(strict.length).toBeLessThan(buf.length);
    expect(buf.length).toBeLessThanOrEqual(loose.length);
    for (const b of [strict, loose]) {
      const reader = ColdReader.fromBuffer(b, 'x');
      for (const s of series)
        expect(points(reader.read(s.seriesId, -Infinity, Infinity, (e) => fail(e)))).toEqual(
          points({ timestamps: s.timestamps, values: s.values, version: s.version }),
        );
    }
  });

  it('writes smaller value blocks with a second brotli pass (ZTSDB_COLD_BROTLI_QUALITY)', () => {
    const strict = { ...meta, packedSlack: 1 };
    const once = concat(encodeColdFile(strict, series));
    const twice = concat(encodeColdFile({ ...strict, brotliQuality: 11 }, series));
    expect(twice.length).toBeLessThan(once.length);
    const reader = ColdReader.fromBuffer(twice, 'x');
    for (const s of series)
      expect(points(reader.read(s.seriesId, -Infinity, Infinity, (e) => fail(e)))).toEqual(
        points({ timestamps: s.timestamps, values: s.values, version: s.version }),
      );
  });

  it('writes version 3 with packed value blocks for decimal gauges', () => {
    expect(buf[4]).toBe(3);
    expect(COLD_VERSION).toBe(3);
    const reader = ColdReader.fromBuffer(buf, 'c');
    expect(reader.pickable(1n, -Infinity, Infinity)).toBe(true);
    expect(reader.pickable(3n, -Infinity, Infinity)).toBe(false); // XOR, compressed
    expect(reader.pickable(9n, -Infinity, Infinity)).toBe(true); // absent: nothing to decode
    // The first value block of series 1: right after its first timestamp block.
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const index = dv.getUint32(buf.length - COLD_FOOTER_BYTES, true);
    const entry = index + COLD_SERIES_ENTRY_BYTES;
    const at = dv.getUint32(entry + 32, true) + dv.getUint32(entry + 44, true);
    expect(blockTag(buf.subarray(at, at + dv.getUint32(entry + 48, true)))).toBe(
      'val-decimal-packed',
    );
  });

  it('leaves to the caller what is not readable by index or is nearly every point', () => {
    const reader = ColdReader.fromBuffer(buf, 'c');
    const hour = { start: BASE, end: BASE + 3_599_000 };
    const minute = { first: BASE, step: 60_000, count: 60 };
    const second = { first: BASE, step: 1000, count: 3600 };
    const picked = reader.readAtInstantsIfPickable(1n, hour.start, hour.end, minute);
    expect(picked).toBeDefined();
    expect(points(picked!)).toEqual(
      points(reader.readAtInstants(1n, hour.start, hour.end, minute)),
    );
    expect(reader.readAtInstantsIfPickable(1n, hour.start, hour.end, second)).toBeUndefined();
    expect(reader.readAtInstantsIfPickable(3n, hour.start, hour.end, minute)).toBeUndefined();
    expect(reader.readAtInstantsIfPickable(9n, hour.start, hour.end, minute)).toBeNull();
  });

  it('picks by index when markers are dropped only from blocks that cannot hold a NaN', () => {
    const marker = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
    const isMarker = (v: number): boolean =>
      new BigUint64Array(Float64Array.of(v).buffer)[0] === 0x7ff0000000000002n;
    const steady = Float64Array.from({ length: 3600 }, (_, i) => BASE + i * 1000);
    const gauge = Float64Array.from(steady, () => Math.round((10 + r() * 4) * 100) / 100);
    // The same gauge with a staleness marker in the middle: its block cannot be packed.
    const marked = Float64Array.from(gauge);
    marked[1800] = marker;
    const file = ColdReader.fromBuffer(
      concat(
        encodeColdFile(meta, [
          { seriesId: 1n, version: 1, timestamps: steady, values: gauge },
          { seriesId: 2n, version: 1, timestamps: steady, values: marked },
        ]),
      ),
      'marked',
    );
    const hour = { start: BASE, end: BASE + 3_599_000 };
    const minute = { first: BASE + 30_000, step: 60_000, count: 60, dropped: isMarker };
    const picked = file.readAtInstantsIfPickable(1n, hour.start, hour.end, minute);
    expect(picked).toBeDefined();
    expect(points(picked!)).toEqual(
      points(thinUnit(file.read(1n, hour.start, hour.end)!, hour.start, hour.end, minute)),
    );
    expect(file.readAtInstantsIfPickable(2n, hour.start, hour.end, minute)).toBeUndefined();
    for (const id of [1n, 2n]) sameAsThinnedRead(file, id, hour.start, hour.end, minute);
    // At the marker's instant the point before it is kept (what the reader samples) beside
    // the marker itself (it may win over another file's point at its time).
    const around = { first: BASE + 1_800_000, step: 1000, count: 1, dropped: isMarker };
    const kept = file.readAtInstants(2n, hour.start, hour.end, around)!;
    expect(Array.from(kept.timestamps)).toEqual([steady[1799], steady[1800]]);
    expect(kept.values[0]).toBe(gauge[1799]);
    expect(isMarker(kept.values[1]!)).toBe(true);
  });

  it('gives exactly the points thinning the whole read gives, for any steps and range', () => {
    const reader = ColdReader.fromBuffer(buf, 'c');
    for (let trial = 0; trial < 60; trial++) {
      const step = [1, 999, 1000, 15_000, 60_000, 3_600_000][trial % 6]!;
      const first = BASE - 100_000 + Math.floor(r() * 3_800_000);
      const count = 1 + Math.floor(r() * 200);
      const start = first - Math.floor(r() * 300_000);
      const end = first + (count - 1) * step;
      const inst = { first, step, count };
      for (const s of series) sameAsThinnedRead(reader, s.seriesId, start, end, inst);
      sameAsThinnedRead(reader, 1n, start, end, { first, step: 0, count: 1 });
    }
  });

  it('skips a damaged packed block as the whole read does, and reports it', () => {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const index = dv.getUint32(buf.length - COLD_FOOTER_BYTES, true);
    // Series 1's block 1 (points 1000..1999): value block damaged.
    const entry = index + COLD_SERIES_ENTRY_BYTES + COLD_BLOCK_ENTRY_BYTES;
    const valueAt = dv.getUint32(entry + 32, true) + dv.getUint32(entry + 44, true);
    for (const at of [valueAt + 1, valueAt + 8, valueAt + 40]) {
      const bad = buf.slice();
      bad[at]! ^= 0x40;
      const reader = ColdReader.fromBuffer(bad, 'c');
      const inst = { first: BASE + 30_000, step: 60_000, count: 60 };
      sameAsThinnedRead(reader, 1n, BASE, BASE + 3_600_000, inst);
      const skipped: ZtsdbError[] = [];
      const got = reader.readAtInstants(1n, BASE, BASE + 3_600_000, inst, (e) => skipped.push(e))!;
      expect(skipped).toHaveLength(1);
      // No point of the damaged block's span but its predecessor's last, which steps fall back to.
      const inDamaged = Array.from(got.timestamps).filter(
        (t) => t >= BASE + 1_000_000 && t < BASE + 2_000_000,
      );
      expect(inDamaged).toEqual([]);
    }
  });

  it('refuses at open a block entry claiming more points than a block may hold', () => {
    const b = buf.slice();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const f = b.length - COLD_FOOTER_BYTES;
    const index = dv.getUint32(f, true);
    dv.setUint32(index + COLD_SERIES_ENTRY_BYTES + 40, 1_000_001, true);
    dv.setUint32(f + 40, crc32c(b, index, f), true);
    dv.setUint32(f + 48, crc32c(b, f, f + 48, crc32c(b, 0, COLD_HEADER_BYTES)), true);
    expect(() => ColdReader.fromBuffer(b, 'c')).toThrow(/block of 1000001 points/);
  });

  it('still reads files of versions 1 and 2 and refuses version 4', () => {
    const old = fleet(r, 500).map((s) => ({ ...s, values: s.values.map((v) => v + 0.5) }));
    const file = concat(encodeColdFile({ ...meta, blockPoints: 200 }, old));
    const withVersion = (v: number): Uint8Array => {
      const b = file.slice();
      b[4] = v;
      const f = b.length - COLD_FOOTER_BYTES;
      new DataView(b.buffer).setUint32(
        f + 48,
        crc32c(b, f, f + 48, crc32c(b, 0, COLD_HEADER_BYTES)),
        true,
      );
      return b;
    };
    for (const v of [1, 2]) {
      const reader = ColdReader.fromBuffer(withVersion(v), `v${v}`);
      for (const s of old) {
        const p = reader.read(s.seriesId, -Infinity, Infinity)!;
        expect(Array.from(p.values)).toEqual(Array.from(s.values));
      }
    }
    expect(() => ColdReader.fromBuffer(withVersion(4), 'v4')).toThrow(/unsupported version 4/);
  });

  it('readies the blocks of a mapped file once, ahead or at their first read, and reads the same', async () => {
    const dir = tempDir('cold-ready');
    try {
      const file = path.join(dir, 'w.cold');
      await writeColdFile(file, meta, series);
      const plain = ColdReader.fromBuffer(fs.readFileSync(file), 'plain');
      const ahead = ColdReader.open(file);
      const lazy = ColdReader.open(file);
      try {
        const blocks = 4 * 4;
        expect(ahead.readiedBlocks).toBe(0);
        expect(ahead.verifyBlocks(0, 100)).toBe(blocks);
        expect(ahead.readiedBlocks).toBe(blocks);
        // The packed blocks of series 1, 2 (delta mode) and 4 (four each) are laid out: 3
        // doubles, and 3 per frame of 128 points. Series 3's XOR blocks have none.
        const frames = 3 * Math.ceil(1000 / 128) + Math.ceil(600 / 128);
        expect(ahead.layoutBytes).toBe(3 * 8 * (4 * 3 + 3 * frames));
        expect(plain.readiedBlocks).toBe(0); // a buffer is never readied (nothing is remembered)
        const minute = { first: BASE + 30_000, step: 60_000, count: 60 };
        lazy.readAtInstants(1n, BASE, BASE + 3_600_000, minute);
        expect(lazy.readiedBlocks).toBe(4);
        for (let trial = 0; trial < 40; trial++) {
          const step = [1, 999, 1000, 15_000, 60_000, 3_600_000][trial % 6]!;
          const first = BASE - 100_000 + Math.floor(r() * 3_800_000);
          const count = 1 + Math.floor(r() * 200);
          const start = first - Math.floor(r() * 300_000);
          const end = first + (count - 1) * step;
          const inst = { first, step, count };
          for (const s of series) {
            for (const reader of [ahead, lazy]) {
              sameAsThinnedRead(reader, s.seriesId, start, end, inst);
              expect(points(reader.readAtInstants(s.seriesId, start, end, inst))).toEqual(
                points(plain.readAtInstants(s.seriesId, start, end, inst)),
              );
              const picked = reader.readAtInstantsIfPickable(s.seriesId, start, end, inst);
              const want = plain.readAtInstantsIfPickable(s.seriesId, start, end, inst);
              expect(picked === undefined ? 'undefined' : points(picked)).toEqual(
                want === undefined ? 'undefined' : points(want),
              );
            }
          }
        }
        expect(lazy.readiedBlocks).toBe(blocks);
      } finally {
        ahead.close();
        lazy.close();
      }
    } finally {
      removeDir(dir);
    }
  });

  it('checks every block ahead of reads when prepared, leaving a damaged one to the read', async () => {
    const dir = tempDir('cold-prepare');
    try {
      const file = path.join(dir, 'w.cold');
      await writeColdFile(file, meta, series);
      const bytes = fs.readFileSync(file);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const index = dv.getUint32(bytes.length - COLD_FOOTER_BYTES, true);
      const at = dv.getUint32(index + COLD_SERIES_ENTRY_BYTES + COLD_BLOCK_ENTRY_BYTES + 32, true);
      bytes[at + 3]! ^= 1; // series 1's block 1
      fs.writeFileSync(file, bytes);
      const tiers = new TierReader(dir);
      const f = { file: 'w.cold', tier: 'cold', minT: BASE, maxT: BASE + 3_600_000 };
      let turns = 0;
      await tiers.prepare(f as never, async () => void turns++, 5);
      const blocks = 4 * 4; // four series of 3,600 points in blocks of 1,000
      expect(turns).toBe(Math.ceil(blocks / 5));
      const reader = ColdReader.open(file);
      try {
        expect(reader.verifyBlocks(0, 100)).toBe(blocks);
        expect(reader.verifiedBlocks).toBe(blocks - 1);
      } finally {
        reader.close();
      }
      const skipped: ZtsdbError[] = [];
      const out: { timestamps: Float64Array }[] = [];
      tiers.read([f as never], 1n, -Infinity, Infinity, out as never, (e) => skipped.push(e));
      expect(skipped.map((e) => e.context.offset)).toEqual([at]);
      expect(out[0]!.timestamps.length).toBe(2600);
      tiers.close();
    } finally {
      removeDir(dir);
    }
  });

  describe('pages a prepared file leaves resident', () => {
    const dir = tempDir('cold-prepare-rss');
    const r2 = rng(7);
    const many: ColdSeries[] = [];
    for (let s = 0; s < 160; s++) many.push({ ...fleet(r2, 3600)[2]!, seriesId: BigInt(s + 1) });
    const cold = (file: string) => ({ file, tier: 'cold', minT: BASE, maxT: BASE + 3_600_000 });
    let fileKb = 0;
    beforeAll(async () => {
      await writeColdFile(path.join(dir, 'a.cold'), meta, many);
      fs.copyFileSync(path.join(dir, 'a.cold'), path.join(dir, 'b.cold'));
      fileKb = fs.statSync(path.join(dir, 'a.cold')).size / 1024;
    });
    afterAll(() => removeDir(dir));

    it('past the bound lets go of what its check read, and reads it again', async () => {
      expect(fileKb).toBeGreaterThan(4000); // floats: about 8 bytes a point
      const tiers = new TierReader(dir, 0);
      try {
        await tiers.prepare(cold('a.cold') as never, async () => undefined, 64);
        // Every block checked, and of the file only the block table's pages left resident.
        expect(residentKbOf(path.join(dir, 'a.cold'))).toBeLessThan(fileKb / 8);
        const reader = ColdReader.open(path.join(dir, 'a.cold'));
        reader.verifyBlocks(0, reader.blockCount);
        expect(reader.verifiedBlocks).toBe(reader.blockCount);
        reader.close();
        const out: { values: Float64Array }[] = [];
        tiers.read([cold('a.cold') as never], 100n, -1, Infinity, out as never, () => undefined);
        expect(Array.from(out[0]!.values)).toEqual(Array.from(many[99]!.values));
        // Prepared again (the catalog changed): what the read brought in is not let go.
        const afterRead = residentKbOf(path.join(dir, 'a.cold'));
        await tiers.prepare(cold('a.cold') as never, async () => undefined, 64);
        expect(residentKbOf(path.join(dir, 'a.cold'))).toBe(afterRead);
      } finally {
        tiers.close();
      }
    });

    it("leaves files resident up to the bound, first come first kept, and frees a retired one's share", async () => {
      const tiers = new TierReader(dir, fileKb * 1024 * 1.5);
      try {
        await tiers.prepare(cold('a.cold') as never, async () => undefined);
        await tiers.prepare(cold('b.cold') as never, async () => undefined);
        expect(residentKbOf(path.join(dir, 'a.cold'))).toBeGreaterThan(fileKb * 0.9);
        expect(residentKbOf(path.join(dir, 'b.cold'))).toBeLessThan(fileKb / 8);
        tiers.retire('a.cold');
        tiers.retire('b.cold');
        // a's share given back: b, opened again, is kept.
        await tiers.prepare(cold('b.cold') as never, async () => undefined);
        expect(residentKbOf(path.join(dir, 'b.cold'))).toBeGreaterThan(fileKb * 0.9);
      } finally {
        tiers.close();
      }
    });
  });
});
