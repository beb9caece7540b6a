import { parseTierPath, type FileCatalog } from '@ztsdb/manifest';
import { processMetrics } from '@ztsdb/metrics';
import type { BucketObject, TierStore } from '@ztsdb/tierstore';

const sweptObjects = processMetrics.counter(
  'ztsdb_compactor_swept_objects_total',
  'Objects of the bucket ztsdb_tiers that no manifest event named, deleted.',
);

/** The tier file an object holds: its name without the `@<crc32c>` suffix (older events name the path alone). */
export function fileOfObject(name: string): string {
  const at = name.lastIndexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

export interface SweepRule {
  /** Only the lease holder of a partition deletes its objects (its catalog caught up at the takeover). */
  owns: (partition: number) => boolean;
  /** Objects put less than this long ago are left alone: their event may be on its way. */
  minAgeMs: number;
  now: number;
}

/**
 * Objects of `ztsdb_tiers` that no file of the catalog names, of partitions
 * this compactor holds, older than the minimum age: an upload whose event
 * was never recorded (the publish failed, or the compactor died between the
 * two), or a retired file whose deletion failed after its `warm-removed`.
 * Objects of names the compactor would not write are never touched.
 */
export function unrecordedObjects(
  objects: BucketObject[],
  catalog: FileCatalog,
  rule: SweepRule,
): BucketObject[] {
  const named = new Set<string>();
  for (const f of catalog.all()) named.add(f.object ?? f.file);
  return objects.filter((o) => {
    if (named.has(o.name)) return false;
    const where = parseTierPath(fileOfObject(o.name));
    if (!where || !rule.owns(where.partition)) return false;
    return rule.now - o.mtimeMs >= rule.minAgeMs;
  });
}

/**
 * Deletes the objects unrecordedObjects names, one by one, each logged: without
 * it, an upload whose event was never recorded would stay in the bucket for
 * good. Returns how many went.
 */
export async function sweepObjects(
  tiers: Pick<TierStore, 'objects' | 'deleteObject'>,
  catalog: FileCatalog,
  rule: SweepRule & {
    stopped: () => boolean;
    log: (m: string) => void;
    warn: (m: string) => void;
  },
): Promise<number> {
  let deleted = 0;
  for (const o of unrecordedObjects(await tiers.objects(), catalog, rule)) {
    if (rule.stopped()) break;
    try {
      await tiers.deleteObject(o.name);
      deleted++;
      sweptObjects.inc();
      rule.log(
        `object ${o.name} (${o.bytes} bytes, put ${new Date(o.mtimeMs).toISOString()}) deleted: no manifest event names it`,
      );
    } catch (e) {
      rule.warn(`object ${o.name} not swept: ${(e as Error).message}`);
    }
  }
  return deleted;
}
