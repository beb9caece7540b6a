import { SnapshotTurns } from './snapshot-turns';

describe('SnapshotTurns', () => {
  it('runs jobs one at a time in the order they came, each after the last settled', async () => {
    const turns = new SnapshotTurns();
    const log: string[] = [];
    let release!: () => void;
    const first = turns.run(async () => {
      log.push('a start');
      await new Promise<void>((r) => (release = r));
      log.push('a end');
      return 1;
    });
    const second = turns.run(async () => {
      log.push('b');
      return 2;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual(['a start']);
    expect(turns.pending).toBe(2);
    release();
    expect(await first).toBe(1);
    expect(await second).toBe(2);
    expect(log).toEqual(['a start', 'a end', 'b']);
    expect(turns.pending).toBe(0);
  });

  it('goes on after a job that failed, which rejects its own caller only', async () => {
    const turns = new SnapshotTurns();
    const failed = turns.run(() => Promise.reject(new Error('disk full')));
    const next = turns.run(() => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('disk full');
    await expect(next).resolves.toBe('ok');
  });

  it('lets the event loop run between two jobs', async () => {
    const turns = new SnapshotTurns();
    const log: string[] = [];
    void turns.run(async () => {
      log.push('a');
      setImmediate(() => log.push('between'));
    });
    await turns.run(async () => void log.push('b'));
    expect(log).toEqual(['a', 'between', 'b']);
  });
});
