import { InvalidInputError } from '@ztsdb/errors';
import { fnv1a64 } from './fnv1a64';
import { MODEL_ERROR_CODES } from './errors';

const SHORT_ID = /^[0-9a-f]{12}$/;
const FULL_ID = /^[0-9a-f]{64}$/;

/** First 12 hex characters of a container id, as `docker ps` shows it. */
export function shortContainerId(id: string): string {
  const lower = id.toLowerCase();
  if (!FULL_ID.test(lower) && !SHORT_ID.test(lower) && !/^[0-9a-f]{12,}$/.test(lower)) {
    throw new InvalidInputError(
      MODEL_ERROR_CODES.badContainerId,
      `not a hex container id: ${JSON.stringify(id)}`,
    );
  }
  return lower.slice(0, 12);
}

/** `<metric>.<container_short_id>` */
export function seriesName(metric: string, containerShortId: string): string {
  return `${metric}.${containerShortId}`;
}

export interface ParsedSeriesName {
  metric: string;
  containerId: string;
}

/** Splits a series name into metric and container short id, or returns undefined. */
export function parseSeriesName(name: string): ParsedSeriesName | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const containerId = name.slice(dot + 1);
  if (!SHORT_ID.test(containerId)) return undefined;
  return { metric: name.slice(0, dot), containerId };
}

/** Series id: FNV-1a 64 of the name's UTF-8 bytes. */
export function seriesId(name: string): bigint {
  return fnv1a64(name);
}

/** Key of a series in KV `ztsdb_series`: the id in 16 lowercase hex digits. */
export function seriesKey(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

export function parseSeriesKey(key: string): bigint | undefined {
  return /^[0-9a-f]{16}$/.test(key) ? BigInt('0x' + key) : undefined;
}
