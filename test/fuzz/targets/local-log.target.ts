import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c } from '@ztsdb/checksum';
import { LocalLog } from '@ztsdb/tsdb';
import { encodeSampleBatch } from '@ztsdb/wire';
import { openBinaryDb, openEnv } from '../../../libs/tsdb/src/wal/lmdb-env';
import { FuzzInput } from '../fuzz-input';
import { fuzzTmpDir } from '../fuzz-tmp';
import { FuzzViolation, type FuzzTarget } from '../fuzz-target';

/**
 * An ingestor's local log (real LMDB in a temp dir) holding fuzzer-made
 * entries: sample batches, skip and seal markers, the `ingest` record and the
 * head checkpoint. recover() must hand back a state or report the damage and
 * return undefined (the ingestor then rebuilds from the stream) — never throw.
 */
const KIND_BATCH = 0;
const KIND_SKIP = 1;
const KIND_SEAL = 2;

function walKey(seq: number, kind: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt32BE(Math.floor(seq / 2 ** 32), 0);
  b.writeUInt32BE(seq >>> 0, 4);
  b[8] = kind;
  return b;
}

/** Meta values carry [version][reserved ×3][CRC-32C of bytes 8…]: a copy whose CRC matches. */
function crcAfter8(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 8) return bytes;
  const out = new Uint8Array(bytes);
  new DataView(out.buffer).setUint32(4, crc32c(out, 8, out.length), true);
  return out;
}

let dir: string | undefined;

async function fill(data: Uint8Array): Promise<void> {
  const inp = new FuzzInput(data);
  const env = openEnv(path.join(dir!, 'wal', 'p0'));
  const wal = openBinaryDb(env, 'iwal');
  const meta = openBinaryDb(env, 'imeta');
  await wal.clearAsync();
  await meta.clearAsync();
  const entries = 1 + inp.int(5);
  for (let e = 0; e < entries; e++) {
    const what = inp.u8() % 6;
    const seq = inp.int(20);
    const raw = data.subarray(
      Math.min(data.length, 8 * e),
      Math.min(data.length, 8 * e + inp.int(300)),
    );
    if (what === 0) void wal.put(walKey(seq, KIND_BATCH), Buffer.from(raw));
    else if (what === 1) {
      const n = inp.int(4);
      const ids = Array.from({ length: n }, () => BigInt(inp.int(3)));
      const ts = inp.timestamps(n);
      const vs = ts.map(() => inp.value());
      const batch = encodeSampleBatch(
        { partition: 0, producerId: 1n, sequence: BigInt(seq) },
        ids,
        ts,
        vs,
      );
      void wal.put(walKey(seq, KIND_BATCH), Buffer.from(batch));
    } else if (what === 2) void wal.put(walKey(seq, KIND_SKIP), Buffer.alloc(0));
    else if (what === 3)
      void wal.put(walKey(seq, KIND_SEAL), Buffer.from(raw.subarray(0, inp.int(9))));
    else if (what === 4)
      void meta.put(Buffer.from('ingest'), Buffer.from(inp.u8() & 1 ? crcAfter8(raw) : raw));
    else void meta.put(Buffer.from('checkpoint'), Buffer.from(inp.u8() & 1 ? crcAfter8(raw) : raw));
  }
  await wal.flushed;
  await meta.flushed;
  await env.close();
}

export const localLogTarget: FuzzTarget = {
  name: 'local-log',
  async: true,
  description:
    'apps/ingestor LocalLog.recover over damaged WAL entries, ingest record and checkpoint (real LMDB)',
  async run(data) {
    dir ??= fs.mkdtempSync(path.join(fuzzTmpDir(), 'ztsdb-fuzz-wal-'));
    await fill(data);
    const log = LocalLog.open(dir, 0);
    try {
      log.recover({ partition: 0, maxChunkAgeMs: 3_600_000 }, () => undefined);
    } catch (err) {
      const e = err as Error;
      throw new FuzzViolation(`LocalLog.recover threw ${e?.name}: ${e?.message}`, { cause: err });
    } finally {
      await log.close();
    }
  },
  async close() {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  },
  seeds() {
    // Recipes, not encodings: each byte steers fill() (entry kinds, sequences, lengths).
    return [
      Uint8Array.from([2, 1, 3, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0]),
      Uint8Array.from([3, 3, 5, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      Uint8Array.from([1, 4, 1, 40, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
      Uint8Array.from([4, 5, 0, 60, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ];
  },
};
