import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Plain in-memory reference: series → timestamp → value (latest write wins). */
export class Model {
  readonly data = new Map<bigint, Map<number, number>>();

  put(id: bigint, t: number, v: number): void {
    let m = this.data.get(id);
    if (!m) this.data.set(id, (m = new Map()));
    m.set(t, v);
  }

  query(id: bigint, start: number, end: number): { timestamps: number[]; values: number[] } {
    const m = this.data.get(id);
    const ts = m ? [...m.keys()].filter((t) => t >= start && t <= end).sort((a, b) => a - b) : [];
    return { timestamps: ts, values: ts.map((t) => m!.get(t)!) };
  }
}

/** Deterministic PRNG (mulberry32), the synthetic source's, so runs are reproducible. */
import { mulberry32 as rng } from '@ztsdb/synthetic';
export { rng };

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ztsdb-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
