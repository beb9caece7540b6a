import { InvalidInputError } from '@ztsdb/errors';

/** The samples stream must keep messages at least this many times the maximum chunk age. */
export const RETENTION_MARGIN = 2;

function human(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/**
 * Refuses to run when the samples stream could drop messages that an
 * unsealed chunk still needs for a takeover (0 = the stream keeps messages forever).
 */
export function checkRetention(streamMaxAgeMs: number, chunkMaxAgeMs: number): void {
  if (streamMaxAgeMs === 0 || streamMaxAgeMs >= RETENTION_MARGIN * chunkMaxAgeMs) return;
  throw new InvalidInputError(
    'ZTSDB_RETENTION_TOO_SHORT',
    `the samples stream ZTSDB_SAMPLES keeps messages for ${human(streamMaxAgeMs)}, but a hot chunk may stay unsealed for ZTSDB_CHUNK_MAX_AGE=${human(chunkMaxAgeMs)}; ` +
      `a replica taking a partition over replays the stream from the oldest unsealed point, so the stream must keep at least ${RETENTION_MARGIN}× that ` +
      `(${human(RETENTION_MARGIN * chunkMaxAgeMs)}). Raise the stream's max_age (e.g. nats stream edit ZTSDB_SAMPLES --max-age=${Math.ceil((RETENTION_MARGIN * chunkMaxAgeMs) / 3_600_000)}h) or lower ZTSDB_CHUNK_MAX_AGE.`,
    { streamMaxAgeMs, chunkMaxAgeMs },
  );
}

/** ZTSDB_INGESTOR_PARTITIONS as a list (undefined when empty = share through leases). */
export function parsePinned(text: string, partitions: number): number[] | undefined {
  if (text.trim() === '') return undefined;
  const list = [...new Set(text.split(',').map((x) => Number(x.trim())))].sort((a, b) => a - b);
  const bad = list.filter((p) => !Number.isInteger(p) || p < 0 || p >= partitions);
  if (bad.length > 0) {
    throw new InvalidInputError(
      'ZTSDB_BAD_SETTINGS',
      `ZTSDB_INGESTOR_PARTITIONS names ${bad.join(',')}, but this deployment has partitions 0..${partitions - 1}`,
    );
  }
  return list;
}
