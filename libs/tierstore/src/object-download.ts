import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c } from '@ztsdb/checksum';
import { fsyncDir } from '@ztsdb/fileutil';
import { TierFetchError, TIERSTORE_ERROR_CODES } from './errors';

/** What a tier file must be: the size and CRC-32C its manifest event recorded. */
export interface TierFileRef {
  /** Path relative to the data dir, as the manifest names it. */
  file: string;
  /** Its object in the bucket; absent in events written before tiers were in the object store. */
  object?: string;
  bytes: number;
  crc32c: number;
}

/** The part of an object store a download needs (`ObjectStore.get`). */
export interface TierObjects {
  get(name: string): Promise<{
    data: ReadableStream<Uint8Array>;
    error: Promise<Error | null>;
  } | null>;
}

let tempCounter = 0;

/**
 * Downloads `ref.object` to `target`: into a temporary name beside it (which
 * `isAtomicTempName` recognises), checking size and CRC-32C as the bytes
 * arrive, then fsync, rename and directory fsync. Nothing reaches `target`
 * unless it is exactly the file the manifest recorded; on any failure the
 * temporary file is removed and a TierFetchError says which file and object.
 */
export async function downloadObject(
  objects: TierObjects,
  ref: TierFileRef & { object: string },
  target: string,
): Promise<void> {
  const ctx = { file: target, object: ref.object };
  const r = await objects.get(ref.object).catch((e: Error) => {
    throw new TierFetchError(
      TIERSTORE_ERROR_CODES.fetchFailed,
      `cannot fetch object ${ref.object} of ${ref.file}: ${e.message}`,
      ctx,
      { cause: e },
    );
  });
  if (!r)
    throw new TierFetchError(
      TIERSTORE_ERROR_CODES.objectMissing,
      `object ${ref.object} of ${ref.file} is not in the object store`,
      ctx,
    );
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  tempCounter = (tempCounter + 1) >>> 0;
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${tempCounter}.tmp`,
  );
  const handle = await fs.promises.open(tmp, 'wx', 0o644);
  const reader = r.data.getReader();
  let closed = false;
  try {
    let crc = 0;
    let bytes = 0;
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new TierFetchError(
          TIERSTORE_ERROR_CODES.fetchFailed,
          `download of object ${ref.object} (${ref.file}) broke off after ${bytes} of ${ref.bytes} bytes: ${(e as Error).message}`,
          ctx,
          { cause: e },
        );
      }
      if (chunk.done) break;
      const b = chunk.value;
      bytes += b.length;
      if (bytes > ref.bytes)
        throw new TierFetchError(
          TIERSTORE_ERROR_CODES.objectMismatch,
          `object ${ref.object} is longer than the ${ref.bytes} bytes of the file ${ref.file} the manifest recorded`,
          ctx,
        );
      crc = crc32c(b, 0, b.length, crc);
      let off = 0;
      while (off < b.length) off += (await handle.write(b, off, b.length - off)).bytesWritten;
    }
    const err = await r.error.catch((e: Error) => e);
    if (err)
      throw new TierFetchError(
        TIERSTORE_ERROR_CODES.fetchFailed,
        `download of object ${ref.object} (${ref.file}) failed after ${bytes} of ${ref.bytes} bytes: ${err.message}`,
        ctx,
        { cause: err },
      );
    if (bytes !== ref.bytes || crc !== ref.crc32c)
      throw new TierFetchError(
        TIERSTORE_ERROR_CODES.objectMismatch,
        `object ${ref.object} is not the file ${ref.file} the manifest recorded (${bytes} bytes, CRC-32C ${crc.toString(16)}; expected ${ref.bytes} bytes, ${ref.crc32c.toString(16)})`,
        ctx,
      );
    await handle.sync();
    await handle.close();
    closed = true;
    await fs.promises.rename(tmp, target);
  } catch (e) {
    reader.cancel().catch(() => undefined);
    if (!closed) await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(target));
}
