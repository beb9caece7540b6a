import { tierDirOf, type Tier } from '@ztsdb/config-lite';
import { coldFileName, warmFileName } from '@ztsdb/tsdb';
import type { ManifestEvent, ManifestSnapshot } from '@ztsdb/wire';
import { ManifestEventError } from './errors';

const WARM_NAME = /^seg-(\d{12,})\.warm$/;
const COLD_NAME = /^w([0-9-]{15,})-g(\d{10,})\.cold$/;
const PARTITION_DIR = /^p(\d+)$/;
const SERIES_KEY = /^[0-9a-f]{16}$/;

/**
 * Tier and partition of a path exactly as the compactor names files
 * (`warm/p<n>/seg-<seq>.warm`, `cold/p<n>/w<window>-g<gen>.cold`), or
 * undefined for anything else: no `..`, no extra `/`, no absolute path, no
 * other name in the tier folder.
 */
export function parseTierPath(file: unknown): { tier: Tier; partition: number } | undefined {
  if (typeof file !== 'string' || file.length > 200) return undefined;
  const parts = file.split('/');
  if (parts.length !== 3) return undefined;
  const [, pdir, name] = parts as [string, string, string];
  const digits = PARTITION_DIR.exec(pdir)?.[1];
  // `p<n>` as the compactor writes it: no leading zeros.
  if (digits === undefined || String(Number(digits)) !== digits) return undefined;
  const partition = Number(digits);
  const tier = tierOfName(name);
  if (!tier || `${tierDirOf(tier, partition)}/${name}` !== file) return undefined;
  return { tier, partition };
}

/** The tier of a file name exactly as the compactor writes it, or undefined. */
function tierOfName(name: string): Tier | undefined {
  const w = WARM_NAME.exec(name);
  if (w) {
    const seq = Number(w[1]);
    return Number.isSafeInteger(seq) && warmFileName(seq) === name ? 'warm' : undefined;
  }
  const c = COLD_NAME.exec(name);
  if (c) {
    const window = Number(c[1]!.replace(/^0+(?=[-\d])/, ''));
    const gen = Number(c[2]);
    if (!Number.isSafeInteger(window) || !Number.isSafeInteger(gen)) return undefined;
    return coldFileName(window, gen) === name ? 'cold' : undefined;
  }
  return undefined;
}

const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isTime = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/**
 * Throws a ManifestEventError unless the event is one the compactor could
 * have written: its partition below `partitions` (when known), every file it
 * names inside that partition's folder of the right tier in the compactor's
 * naming, and its numbers of the right kind. Readers check every event
 * before acting on it, since anyone who may publish on the subject could
 * have sent it.
 */
export function checkManifestEvent(e: ManifestEvent, partitions?: number): void {
  const p = e.partition;
  if (!Number.isSafeInteger(p) || p < 0 || (partitions !== undefined && p >= partitions))
    throw new ManifestEventError(
      `partition ${String(p)} is not one of ${partitions ?? 'the'} partitions`,
    );
  const where = parseTierPath(e.file);
  if (!where || where.partition !== p)
    throw new ManifestEventError(
      `file ${JSON.stringify(String(e.file).slice(0, 120))} is not a tier file of partition ${p}`,
    );
  const wantTier =
    e.kind === 'warm-added' ? 'warm' : e.kind === 'warm-removed' ? undefined : 'cold';
  if (wantTier && where.tier !== wantTier)
    throw new ManifestEventError(`${e.kind} names a ${where.tier} file`, e.file);
  for (const k of ['bytes', 'crc32c', 'seriesCount', 'points'] as const)
    if (!isCount(e[k])) throw new ManifestEventError(`${k} is not a count`, e.file);
  for (const k of ['minT', 'maxT', 'atMs'] as const)
    if (!isTime(e[k])) throw new ManifestEventError(`${k} is not a time`, e.file);
  if (e.replaces !== undefined) {
    if (e.kind !== 'cold-added' || !Array.isArray(e.replaces))
      throw new ManifestEventError(`${e.kind} cannot replace files`, e.file);
    for (const r of e.replaces) {
      const rw = parseTierPath(r);
      if (!rw || rw.partition !== p || r === e.file)
        throw new ManifestEventError(
          `replaced file ${JSON.stringify(String(r).slice(0, 120))} is not another tier file of partition ${p}`,
          e.file,
        );
    }
  }
  if (e.object !== undefined) {
    if ((e.kind !== 'warm-added' && e.kind !== 'cold-added') || typeof e.object !== 'string')
      throw new ManifestEventError(`${e.kind} cannot name an object`, e.file);
    if (e.object.length === 0 || e.object.length > 1024)
      throw new ManifestEventError(`object name of ${e.object.length} characters`, e.file);
  }
  if (e.chunks !== undefined) {
    if (e.kind !== 'warm-added' || !Array.isArray(e.chunks))
      throw new ManifestEventError(`${e.kind} cannot list chunks`, e.file);
    for (const c of e.chunks)
      if (
        typeof c !== 'object' ||
        c === null ||
        typeof c.id !== 'string' ||
        !SERIES_KEY.test(c.id) ||
        !isTime(c.minT) ||
        !isTime(c.maxT) ||
        !isCount(c.count)
      )
        throw new ManifestEventError('a listed chunk is malformed', e.file);
  }
  if (e.chunkSeqs !== undefined) {
    const s = e.chunkSeqs;
    if (
      e.kind !== 'warm-added' ||
      typeof s !== 'object' ||
      s === null ||
      !isCount(s.min) ||
      !isCount(s.max) ||
      !isCount(s.batchMin) ||
      s.batchMin > s.min ||
      s.min > s.max
    )
      throw new ManifestEventError('chunkSeqs is malformed', e.file);
  }
}

/**
 * Throws a ManifestEventError unless every name in the snapshot is one the
 * compactor writes in the snapshot's partition: each entry is checked as the
 * added event that would have recorded it, `supersededBy` and `removed` as
 * tier files of the partition. (The frame's decoder checked the types.)
 */
export function checkManifestSnapshot(s: ManifestSnapshot, partitions?: number): void {
  for (const f of s.files) {
    checkManifestEvent({ ...f, kind: f.tier === 'warm' ? 'warm-added' : 'cold-added' }, partitions);
    if (f.supersededBy !== undefined && parseTierPath(f.supersededBy)?.partition !== s.partition)
      throw new ManifestEventError(
        `supersededBy is not a tier file of partition ${s.partition}`,
        f.file,
      );
  }
  if (s.files.length === 0 && partitions !== undefined && s.partition >= partitions)
    throw new ManifestEventError(`partition ${s.partition} is not one of ${partitions} partitions`);
  for (const r of s.removed)
    if (parseTierPath(r)?.partition !== s.partition)
      throw new ManifestEventError(
        `removed file ${JSON.stringify(String(r).slice(0, 120))} is not a tier file of partition ${s.partition}`,
      );
}
