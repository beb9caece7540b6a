import { FileCatalog } from '@ztsdb/manifest';
import { manifestEvent as ev } from '@ztsdb/testing';
import { objectNameOf } from '@ztsdb/tierstore';
import { coldFileName, warmFileName } from '@ztsdb/tsdb';
import { fileOfObject, unrecordedObjects } from './object-sweep';

const HOUR = 3600_000;
const NOW = 10 * HOUR;

describe('unrecordedObjects', () => {
  const warm = (p: number, seq: number) => `warm/p${p}/${warmFileName(seq)}`;
  const cold = `cold/p0/${coldFileName(0, 1)}`;
  const obj = (name: string, ageMs = 2 * HOUR) => ({ name, bytes: 10, mtimeMs: NOW - ageMs });

  // Recorded: seg 2 (live), seg 3 (merged into the cold file, not yet removed), the cold
  // file, and seg 1 of an older version whose event names no object. Seg 4 was removed.
  const catalog = new FileCatalog();
  for (const e of [
    ev('warm-added', warm(0, 1)),
    ev('warm-added', warm(0, 2), { object: objectNameOf(warm(0, 2), 2) }),
    ev('warm-added', warm(0, 3), { object: objectNameOf(warm(0, 3), 3) }),
    ev('warm-added', warm(0, 4), { object: objectNameOf(warm(0, 4), 4) }),
    ev('cold-added', cold, { object: objectNameOf(cold, 5), replaces: [warm(0, 3), warm(0, 4)] }),
    ev('warm-removed', warm(0, 4)),
  ])
    catalog.apply(e);
  const all = (_p: number) => true;

  it('names the objects no recorded file names: a failed publish, a removal whose delete failed', () => {
    const objects = [
      obj(objectNameOf(warm(0, 2), 2)),
      obj(objectNameOf(warm(0, 3), 3)),
      obj(objectNameOf(cold, 5)),
      obj(warm(0, 1)), // an older event's object, named by the path alone
      obj(objectNameOf(warm(0, 4), 4)), // removed, its delete failed
      obj(objectNameOf(warm(0, 5), 6)), // uploaded, its event never recorded
      obj(objectNameOf(warm(0, 2), 7)), // the same name as a recorded file, other bytes
    ];
    expect(
      unrecordedObjects(objects, catalog, { owns: all, minAgeMs: HOUR, now: NOW }).map(
        (o) => o.name,
      ),
    ).toEqual([
      objectNameOf(warm(0, 4), 4),
      objectNameOf(warm(0, 5), 6),
      objectNameOf(warm(0, 2), 7),
    ]);
  });

  it('leaves objects younger than the minimum age: their event may be on its way', () => {
    const young = obj(objectNameOf(warm(0, 5), 6), HOUR - 1);
    const old = obj(objectNameOf(warm(0, 6), 6), HOUR);
    expect(
      unrecordedObjects([young, old], catalog, { owns: all, minAgeMs: HOUR, now: NOW }),
    ).toEqual([old]);
  });

  it("leaves other partitions' objects and names the compactor would not write", () => {
    const objects = [
      obj(objectNameOf(warm(1, 9), 1)),
      obj('notes.txt'),
      obj('warm/p0/seg-1.warm@00000001'),
      obj('warm/p01/' + warmFileName(9)),
      obj('../warm/p0/' + warmFileName(9)),
    ];
    expect(
      unrecordedObjects(objects, catalog, { owns: (p) => p === 0, minAgeMs: 0, now: NOW }),
    ).toEqual([]);
  });

  it('takes the file from an object name, with or without the checksum suffix', () => {
    expect(fileOfObject('warm/p0/seg-000000000001.warm@0000002a')).toBe(
      'warm/p0/seg-000000000001.warm',
    );
    expect(fileOfObject('warm/p0/seg-000000000001.warm')).toBe('warm/p0/seg-000000000001.warm');
  });
});
