import { ZtsdbError } from '@ztsdb/errors';
import type { ManifestEvent } from '@ztsdb/wire';
import { coldFileName } from './tiers/cold-format';
import { warmFileName } from './tiers/warm-format';

/** A manifest event that is well framed but names what the compactor never writes. */
export class ManifestEventError extends ZtsdbError {
  constructor(message: string, file?: string) {
    super('ZTSDB_MANIFEST_EVENT', message, file !== undefined ? { file } : {});
  }
}

const WARM = /^warm\/p(\d+)\/(seg-(\d{12,})\.warm)$/;
const COLD = /^cold\/p(\d+)\/(w([0-9-]{15,})-g(\d{10,})\.cold)$/;
const SERIES_KEY = /^[0-9a-f]{16}$/;

/**
 * Tier and partition of a path exactly as the compactor names files
 * (`warm/p<n>/seg-<seq>.warm`, `cold/p<n>/w<window>-g<gen>.cold`), or
 * undefined for anything else: no `..`, no extra `/`, no absolute path, no
 * other name in the tier folder.
 */
export function parseTierPath(
  file: unknown,
): { tier: 'warm' | 'cold'; partition: number } | undefined {
  if (typeof file !== 'string' || file.length > 200) return undefined;
  const w = WARM.exec(file);
  if (w) {
    const seq = Number(w[3]);
    if (!Number.isSafeInteger(seq) || warmFileName(seq) !== w[2]) return undefined;
    return partitionOf('warm', w[1]!);
  }
  const c = COLD.exec(file);
  if (c) {
    const window = Number(c[3]!.replace(/^0+(?=[-\d])/, ''));
    const gen = Number(c[4]);
    if (!Number.isSafeInteger(window) || !Number.isSafeInteger(gen)) return undefined;
    if (coldFileName(window, gen) !== c[2]) return undefined;
    return partitionOf('cold', c[1]!);
  }
  return undefined;
}

function partitionOf(
  tier: 'warm' | 'cold',
  digits: string,
): { tier: 'warm' | 'cold'; partition: number } | undefined {
  // `p<n>` as the compactor writes it: no leading zeros.
  if (String(Number(digits)) !== digits) return undefined;
  return { tier, partition: Number(digits) };
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
