import { InvalidInputError } from '@ztsdb/errors';
import { MODEL_ERROR_CODES } from './errors';

export const DEFAULT_PARTITIONS = 4;
export const MAX_PARTITIONS = 1024;

/** Partition of a series: `seriesId % partitions`. */
export function partitionOf(seriesId: bigint, partitions: number): number {
  return Number(seriesId % BigInt(partitions));
}

export function checkPartitionCount(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new InvalidInputError(
      MODEL_ERROR_CODES.badPartitions,
      `partition count must be an integer in 1..${MAX_PARTITIONS}, got ${n}`,
    );
  }
  return n;
}
