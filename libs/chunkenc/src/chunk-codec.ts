import { InvalidInputError } from '@ztsdb/errors';
import { MAX_CHUNK_POINTS } from './chunk-format';
import { ChunkFullError } from './errors';
import { XorAppender } from './xor-appender';
import { XorIterator } from './xor-iterator';

/** Encode points `[start, end)` of two parallel arrays as one chunk. */
export function encodeChunk(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  start = 0,
  end = timestamps.length,
): Uint8Array {
  if (!(start >= 0 && start <= end && end <= timestamps.length && end <= values.length)) {
    throw new InvalidInputError(
      'ZTSDB_BAD_RANGE',
      `range [${start}, ${end}) does not fit ${timestamps.length} timestamps and ${values.length} values`,
    );
  }
  const n = end - start;
  if (n > MAX_CHUNK_POINTS) {
    throw new ChunkFullError(`${n} points exceed the ${MAX_CHUNK_POINTS}-point chunk limit`, {
      count: n,
    });
  }
  const app = new XorAppender(Math.max(64, n * 2));
  for (let i = start; i < end; i++) app.append(timestamps[i]!, values[i]!);
  return app.bytes();
}

const shared = new XorIterator();

/** Decode every point of a chunk. Throws ChunkCorruptError. */
export function decodeChunk(chunk: Uint8Array): { timestamps: Float64Array; values: Float64Array } {
  const it = shared;
  it.reset(chunk);
  const n = it.count;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let i = 0;
  while (it.next()) {
    timestamps[i] = it.t;
    values[i] = it.v;
    i++;
  }
  return { timestamps, values };
}
