import { QUERY_SLICE_MS, QueryClock } from './query-clock';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('query clock', () => {
  it('says when a slice is used up, and pause() starts a new one', async () => {
    const clock = new QueryClock(10_000);
    expect(clock.due()).toBe(false);
    await sleep(QUERY_SLICE_MS + 5);
    expect(clock.due()).toBe(true);
    await clock.pause();
    expect(clock.due()).toBe(false);
  });

  it('throws ZTSDB_TIMEOUT past the deadline from check, due and pause', async () => {
    const clock = new QueryClock(10);
    await sleep(20);
    for (const f of [() => clock.check(), () => clock.due()])
      expect(f).toThrow(expect.objectContaining({ code: 'ZTSDB_TIMEOUT' }));
    await expect(clock.pause()).rejects.toMatchObject({ code: 'ZTSDB_TIMEOUT' });
  });
});
