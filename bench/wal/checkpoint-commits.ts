// Small WAL writes during a large checkpoint (issue 12): a CHECKPOINT_MB checkpoint every ~1 s
// and a 16 KB write every 2 ms into one LMDB environment; measures each small write's time from
// its put to its flush (what the ingestor waits for before acknowledging), p50/p99/max, with the
// checkpoint written as one transaction (`one`, the layout before generations) or as a
// generation of CHECKPOINT_TXN_BYTES transactions (`generations`). Modes alternate,
// BENCH_ROUNDS rounds of BENCH_SECONDS each. Last line: one JSON object.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from '@ztsdb/checksum';
import {
  CHECKPOINT_PART_BYTES,
  removeStalePieces,
  writeGeneration,
  type CheckpointImage,
  type GenerationIo,
} from '../../libs/tsdb/src/wal/checkpoint-generations';
import { openBinaryDb, openEnv } from '../../libs/tsdb/src/wal/lmdb-env';

const MB = Number(process.env.CHECKPOINT_MB ?? 40);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function run(mode: 'one' | 'generations', dir: string) {
  const env = openEnv(dir);
  const meta = openBinaryDb(env, 'imeta');
  const wal = openBinaryDb(env, 'iwal');
  const io: GenerationIo = { db: () => meta, observe: (w) => w };
  const bytes = Buffer.alloc(MB * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  const n = Math.ceil(bytes.length / CHECKPOINT_PART_BYTES);
  const sums = new Uint32Array(n);
  for (let i = 0; i < n; i++)
    sums[i] = crc32(
      bytes,
      i * CHECKPOINT_PART_BYTES,
      Math.min(bytes.length, (i + 1) * CHECKPOINT_PART_BYTES),
    );
  const image: CheckpointImage = {
    bytes,
    checkpointBytes: bytes.length - 64,
    ingestBytes: 64,
    walSeq: 1,
    sums,
    backing: bytes,
  };
  const lat: number[] = [];
  const ckptMs: number[] = [];
  let stop = false;
  let seq = 0;
  const value = Buffer.alloc(16 * 1024, 7);
  const writer = (async () => {
    const pending: Promise<void>[] = [];
    while (!stop) {
      const t0 = performance.now();
      const k = Buffer.alloc(8);
      k.writeBigUInt64BE(BigInt(++seq));
      pending.push(
        (async () => {
          await wal.put(k, value);
          await wal.flushed;
          lat.push(performance.now() - t0);
        })(),
      );
      if (seq > 64) {
        // Keeps the log small, as the snapshot's trim does: the oldest but 64 go.
        const old = Buffer.alloc(8);
        old.writeBigUInt64BE(BigInt(seq - 64));
        void wal.remove(old);
      }
      await sleep(2);
    }
    await Promise.all(pending);
  })();
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const t0 = performance.now();
    if (mode === 'one') {
      let last: Promise<boolean> = Promise.resolve(true);
      for (let i = 0; i < n; i++)
        last = meta.put(
          Buffer.from(`checkpoint/${String(i).padStart(5, '0')}`),
          bytes.subarray(i * CHECKPOINT_PART_BYTES, (i + 1) * CHECKPOINT_PART_BYTES),
        );
      await last;
      await meta.flushed;
    } else {
      const { generation } = await writeGeneration(io, image);
      await meta.flushed;
      await removeStalePieces(io, generation, false);
    }
    ckptMs.push(performance.now() - t0);
    await sleep(Math.max(0, 1000 - (performance.now() - t0)));
  }
  stop = true;
  await writer;
  await env.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    mode,
    writes: lat.length,
    p50: pct(lat, 0.5),
    p99: pct(lat, 0.99),
    max: pct(lat, 1),
    checkpoints: ckptMs.length,
    checkpoint_ms_p50: pct(ckptMs, 0.5),
  };
}

async function main() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-commits-'));
  const results = [];
  for (let r = 0; r < ROUNDS; r++)
    for (const mode of ['one', 'generations'] as const) {
      const res = await run(mode, path.join(base, `${mode}-${r}`));
      process.stdout.write(
        `${JSON.stringify({
          round: r,
          load: os
            .loadavg()
            .map((x) => x.toFixed(2))
            .join(' '),
          ...res,
        })}\n`,
      );
      results.push(res);
    }
  fs.rmSync(base, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main();
