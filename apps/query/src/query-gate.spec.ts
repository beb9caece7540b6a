import { QueryClock } from './query-clock';
import { QueryGate } from './query-gate';

const code = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );

describe('query gate', () => {
  it('lets maxRunning in, lines up maxQueued, and turns the rest away busy', async () => {
    const gate = new QueryGate(2, 1);
    const clock = new QueryClock(10_000);
    const a = await gate.enter(clock);
    const b = await gate.enter(clock);
    let cIn = false;
    const c = gate.enter(clock).then((r) => ((cIn = true), r));
    expect(await code(gate.enter(clock))).toBe('ZTSDB_BUSY');
    expect(gate.active).toBe(2);
    expect(gate.queued).toBe(1);
    await Promise.resolve();
    expect(cIn).toBe(false);
    a();
    a(); // a second release is ignored
    const release = await c;
    expect(gate.active).toBe(2);
    b();
    release();
    expect(gate.active).toBe(0);
  });

  it('turns a waiting query away busy when its deadline comes', async () => {
    const gate = new QueryGate(1, 4);
    const hold = await gate.enter(new QueryClock(10_000));
    expect(await code(gate.enter(new QueryClock(10)))).toBe('ZTSDB_BUSY');
    expect(gate.queued).toBe(0);
    hold();
  });
});
