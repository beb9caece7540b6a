import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Engine } from './engine';
import { Model, removeDir, tempDir } from '../testing/model';
import { BATCH_POINTS, batchPoint } from '../../test-fixtures/crash-writer';

const FIXTURES = path.join(__dirname, '..', '..', 'test-fixtures');

/** Runs the writer child until it has reported `minBatches` durable batches (plus a random delay), then SIGKILLs it. */
function runAndKill(dir: string, minBatches: number, extraMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', path.join(FIXTURES, 'ts-register.js'), path.join(FIXTURES, 'crash-writer.ts'), dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const durable: number[] = [];
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const l of lines) {
        const m = /^durable (\d+)$/.exec(l);
        if (m) durable.push(Number(m[1]));
      }
      if (durable.length >= minBatches && !killTimer)
        killTimer = setTimeout(() => child.kill('SIGKILL'), extraMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      if (killTimer) clearTimeout(killTimer);
      if (signal !== 'SIGKILL' || durable.length < minBatches)
        reject(new Error(`writer ended early (${signal}): ${err}`));
      else resolve(durable);
    });
  });
}

describe('crash safety', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('crash')));
  afterEach(() => removeDir(dir));

  it('a writer killed with SIGKILL reopens to every batch it reported durable', async () => {
    for (const [minBatches, extraMs] of [
      [25, 3],
      [5, 0],
    ] as const) {
      const durable = await runAndKill(dir, minBatches, extraMs);
      const model = new Model();
      for (const k of durable)
        for (let i = 0; i < BATCH_POINTS; i++) {
          const p = batchPoint(k, i);
          model.put(p.id, p.t, p.v);
        }
      const engine = await Engine.open({ dir, partitions: 2, maxChunkAgeMs: 60_000 });
      try {
        for (const [id, m] of model.data) {
          const got = engine.query(id, -Infinity, Infinity);
          const have = new Map<number, number>();
          for (let i = 0; i < got.timestamps.length; i++)
            have.set(got.timestamps[i]!, got.values[i]!);
          for (const [t, v] of m) expect(have.get(t)).toBe(v);
        }
        expect(engine.warnings.total).toBe(0);
      } finally {
        await engine.close();
      }
      removeDir(dir);
    }
  }, 60_000);
});
