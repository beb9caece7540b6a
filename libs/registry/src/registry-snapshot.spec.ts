import * as fs from 'node:fs';
import * as path from 'node:path';
import { REGISTRY_SNAPSHOT_FILE } from '@ztsdb/config';
import type { SeriesEntry } from '@ztsdb/model';
import { tempDir } from '@ztsdb/testing';
import {
  decodeRegistrySnapshot,
  encodeRegistrySnapshot,
  readRegistrySnapshot,
  writeRegistrySnapshot,
} from './registry-snapshot';
import { RegistrySnapshotCorruptError } from './errors';

const entries: SeriesEntry[] = [
  {
    id: '0000000000000001',
    name: 'a.abcdef012345',
    labels: { __name__: 'a' },
    active: true,
    updatedMs: 5,
  },
  {
    id: '00000000000000ff',
    name: 'b{x="1"}',
    labels: { __name__: 'b', x: '1' },
    active: false,
    updatedMs: 6,
  },
];

describe('registry snapshot', () => {
  it('round-trips through a file', async () => {
    const dir = tempDir('ztsdb-regsnap-');
    try {
      expect(readRegistrySnapshot(dir.path)).toBeUndefined();
      await writeRegistrySnapshot(dir.path, entries);
      expect(readRegistrySnapshot(dir.path)).toEqual(entries);
      expect(fs.readdirSync(path.dirname(path.join(dir.path, REGISTRY_SNAPSHOT_FILE)))).toEqual([
        'series.snap',
      ]);
    } finally {
      dir.remove();
    }
  });

  it('refuses every damaged byte and bad shapes, naming the file', () => {
    const bytes = encodeRegistrySnapshot(entries);
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i]! ^= 0x10;
      expect(() => decodeRegistrySnapshot(bad, 'f.snap')).toThrow(RegistrySnapshotCorruptError);
    }
    expect(() => decodeRegistrySnapshot(bytes.subarray(0, bytes.length - 1), 'f.snap')).toThrow(
      /^f\.snap: /,
    );
    const noLabels = encodeRegistrySnapshot([{ ...entries[0]!, labels: null as never }]);
    expect(() => decodeRegistrySnapshot(noLabels)).toThrow(/lacks its id, name or labels/);
    const badId = encodeRegistrySnapshot([{ ...entries[0]!, id: '../x' }]);
    expect(() => decodeRegistrySnapshot(badId)).toThrow(/lacks its id/);
  });
});
