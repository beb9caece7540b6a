import type { ManifestEvent } from '@ztsdb/wire';

/** A valid manifest event of partition 0 for catalog tests; `extra` replaces any field. */
export function manifestEvent(
  kind: ManifestEvent['kind'],
  file: string,
  extra: Partial<ManifestEvent> = {},
): ManifestEvent {
  return {
    kind,
    partition: 0,
    file,
    bytes: 1,
    crc32c: 0,
    minT: 0,
    maxT: 10,
    seriesCount: 1,
    points: 1,
    atMs: 100,
    ...extra,
  };
}
