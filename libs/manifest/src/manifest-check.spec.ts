import { coldFileName, warmFileName } from '@ztsdb/tsdb';
import { manifestEvent as ev } from '@ztsdb/testing';
import type { ManifestEvent } from '@ztsdb/wire';
import { ManifestEventError } from './errors';
import { FileCatalog } from './file-catalog';
import { checkManifestEvent, parseTierPath } from './manifest-check';

const WARM = `warm/p0/${warmFileName(7)}`;
const COLD = `cold/p0/${coldFileName(3_600_000, 2)}`;

describe('manifest event checks', () => {
  it('accepts every name the compactor writes', () => {
    expect(parseTierPath(WARM)).toEqual({ tier: 'warm', partition: 0 });
    expect(parseTierPath(`warm/p12/${warmFileName(1e13)}`)).toEqual({
      tier: 'warm',
      partition: 12,
    });
    expect(parseTierPath(`cold/p3/${coldFileName(0, 1)}`)).toEqual({ tier: 'cold', partition: 3 });
    expect(parseTierPath(`cold/p3/${coldFileName(-7_200_000, 1)}`)).toEqual({
      tier: 'cold',
      partition: 3,
    });
    expect(() => checkManifestEvent(ev('warm-added', WARM), 4)).not.toThrow();
    expect(() => checkManifestEvent(ev('cold-added', COLD, { replaces: [WARM] }), 4)).not.toThrow();
    expect(() => checkManifestEvent(ev('expired', COLD), 4)).not.toThrow();
    expect(() => checkManifestEvent(ev('warm-removed', COLD), 4)).not.toThrow();
  });

  it.each([
    'victim.txt',
    '/etc/passwd',
    '../../victim.txt',
    'cold/p0/../../victim.txt',
    'cold/p0/../p1/w000000003600000-g0000000002.cold',
    'cold/p0//w000000003600000-g0000000002.cold',
    './cold/p0/w000000003600000-g0000000002.cold',
    'cold/p0/w000000003600000-g0000000002.cold/x',
    'cold/p0/w3600000-g2.cold',
    'cold/p00/w000000003600000-g0000000002.cold',
    'cold/p0/w000000003600000-g0000000002.cold.txt',
    'cold/p0/x000000003600000-g0000000002.cold',
    'warm/p0/seg-7.warm',
    'warm/p0/seg-00000000000a.warm',
    'warm/p0/.seg-000000000007.warm.1.1.tmp',
    'wal/p0/data.mdb',
    '',
  ])('refuses the file %j', (file) => {
    expect(parseTierPath(file)).toBeUndefined();
    for (const kind of ['warm-added', 'cold-added', 'expired', 'warm-removed'] as const)
      expect(() => checkManifestEvent(ev(kind, file), 4)).toThrow(ManifestEventError);
  });

  it('refuses other partitions, the wrong tier and malformed fields', () => {
    const bad: Array<[ManifestEvent, RegExp]> = [
      [ev('warm-added', 'warm/p1/seg-000000000007.warm'), /not a tier file of partition 0/],
      [ev('warm-added', 'warm/p4/seg-000000000007.warm', { partition: 4 }), /partition 4/],
      [ev('warm-added', WARM, { partition: -1 }), /partition -1/],
      [ev('warm-added', WARM, { partition: 0.5 }), /partition 0.5/],
      [ev('warm-added', COLD), /warm-added names a cold file/],
      [ev('cold-added', WARM), /cold-added names a warm file/],
      [ev('expired', WARM), /expired names a warm file/],
      [ev('cold-added', COLD, { replaces: ['warm/p1/seg-000000000001.warm'] }), /replaced file/],
      [ev('cold-added', COLD, { replaces: ['../victim.txt'] }), /replaced file/],
      [ev('cold-added', COLD, { replaces: [COLD] }), /replaced file/],
      [ev('expired', COLD, { replaces: [WARM] }), /cannot replace/],
      [ev('cold-added', COLD, { chunks: [] }), /cannot list chunks/],
      [
        ev('warm-added', WARM, { chunks: [{ id: 'zz', minT: 0, maxT: 1, count: 1 }] }),
        /chunk is malformed/,
      ],
      [ev('warm-added', WARM, { chunkSeqs: { min: 5, max: 4, batchMin: 1 } }), /chunkSeqs/],
      [ev('warm-added', WARM, { bytes: -1 }), /bytes is not a count/],
      [ev('warm-added', WARM, { points: '3' as never }), /points is not a count/],
      [ev('warm-added', WARM, { maxT: Infinity }), /maxT is not a time/],
    ];
    for (const [e, why] of bad) expect(() => checkManifestEvent(e, 4)).toThrow(why);
  });

  it('takes an object name on added files only, and the catalog keeps it', () => {
    expect(() => checkManifestEvent(ev('warm-added', WARM, { object: WARM }), 1)).not.toThrow();
    expect(() => checkManifestEvent(ev('warm-removed', WARM, { object: WARM }), 1)).toThrow(
      ManifestEventError,
    );
    expect(() => checkManifestEvent(ev('cold-added', COLD, { object: '' }), 1)).toThrow(
      ManifestEventError,
    );
    const c = new FileCatalog();
    c.apply(ev('cold-added', COLD, { object: COLD }));
    c.apply(ev('warm-added', WARM));
    expect(c.get(COLD)?.object).toBe(COLD);
    expect(c.get(WARM)).not.toHaveProperty('object');
  });

  it('the catalog refuses removing a live file and re-adding a file with another checksum', () => {
    const c = new FileCatalog({ partitions: 4 });
    c.apply(ev('cold-added', COLD, { crc32c: 5 }), 1);
    expect(() => c.apply(ev('warm-removed', COLD), 2)).toThrow(/names a live file/);
    expect(() => c.apply(ev('cold-added', COLD, { crc32c: 6 }), 3)).toThrow(/contradicts/);
    expect(() => c.apply(ev('cold-added', 'victim.txt'), 4)).toThrow(ManifestEventError);
    expect(c.live().map((f) => f.file)).toEqual([COLD]);
    expect(c.lastSeq).toBe(1);
    c.apply(ev('cold-added', COLD, { crc32c: 5 }), 5); // the same event again changes nothing
    expect(c.all()).toHaveLength(1);
  });

  it('tells leftovers of a crashed run from files that are not the compactor’s', () => {
    const c = new FileCatalog({ partitions: 4 });
    c.apply(ev('warm-added', WARM));
    c.apply(ev('cold-added', COLD, { replaces: [WARM] }));
    c.apply(ev('warm-removed', WARM));
    expect(c.isLeftover(WARM)).toBe(true); // removal recorded, file may be left
    expect(c.isLeftover(COLD)).toBe(false); // live
    expect(c.isLeftover(`warm/p0/${warmFileName(8)}`)).toBe(true); // above every recorded name
    expect(c.isLeftover(`warm/p0/${warmFileName(3)}`)).toBe(false); // never recorded as removed
    expect(c.isLeftover(`cold/p0/${coldFileName(0, 1)}`)).toBe(false);
    expect(c.isLeftover(`cold/p0/${coldFileName(0, 3)}`)).toBe(true);
    expect(c.isLeftover('warm/p0/victim.txt')).toBe(false);
  });
});
