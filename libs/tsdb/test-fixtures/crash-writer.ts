// Child process of crash.spec.ts: inserts numbered batches into an Engine,
// waits for each to be durable and prints "durable <k>" — until it is killed.
import { Engine } from '../src/engine/engine';

export const BATCH_POINTS = 300;
export const SERIES = 17;
export const BASE = 1_700_000_000_000;

/** Deterministic content of batch k: point i goes to series (k*BATCH_POINTS+i) % SERIES. */
export function batchPoint(k: number, i: number): { id: bigint; t: number; v: number } {
  const n = k * BATCH_POINTS + i;
  return {
    id: BigInt(n % SERIES) * 1000003n + 11n,
    t: BASE + Math.floor(n / SERIES) * 1000,
    v: (n % 1000) / 10,
  };
}

async function main(): Promise<void> {
  const dir = process.argv[2]!;
  const engine = await Engine.open({ dir, partitions: 2, maxChunkAgeMs: 60_000 });
  for (let k = 0; ; k++) {
    for (let i = 0; i < BATCH_POINTS; i++) {
      const p = batchPoint(k, i);
      while (!engine.insert(p.id, p.t, p.v)) engine.drain();
    }
    await engine.flush();
    process.stdout.write(`durable ${k}\n`);
    if (k % 7 === 6) engine.sealByAge(batchPoint(k, 0).t);
    if (k % 20 === 19) void engine.compactToWarm();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
