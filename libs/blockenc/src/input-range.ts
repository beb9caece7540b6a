import { InvalidInputError, LimitExceededError } from '@ztsdb/errors';
import { MAX_BLOCK_POINTS } from './block-format';
import { BLOCKENC_ERROR_CODES } from './errors';

/** Check `[start, end)` against the array and the block cap; returns the point count. */
export function checkRange(
  arr: ArrayLike<number>,
  start: number,
  end: number,
  what: string,
): number {
  if (!(
    Number.isInteger(start) &&
    Number.isInteger(end) &&
    start >= 0 &&
    start <= end &&
    end <= arr.length
  )) {
    throw new InvalidInputError(
      BLOCKENC_ERROR_CODES.badRange,
      `range [${start}, ${end}) does not fit ${arr.length} ${what}`,
    );
  }
  const n = end - start;
  if (n > MAX_BLOCK_POINTS) {
    throw new LimitExceededError(
      BLOCKENC_ERROR_CODES.blockTooLarge,
      `${n} ${what} exceed the ${MAX_BLOCK_POINTS}-point block cap`,
      {
        count: n,
      },
    );
  }
  return n;
}
