import { RepeatedWarnings } from './repeated-warnings';

describe('RepeatedWarnings', () => {
  it('writes one line per key per interval, with the count held back since the last one', () => {
    let now = 1000;
    const lines: string[] = [];
    const w = new RepeatedWarnings(
      (l) => lines.push(l),
      60_000,
      () => now,
    );
    for (let i = 0; i < 66_871; i++) w.report('ZTSDB_BAD_CRC', `message ${i}: bad checksum`);
    w.report('ZTSDB_WRONG_PARTITION', 'message x: wrong partition');
    expect(lines).toEqual(['message 0: bad checksum', 'message x: wrong partition']);
    now += 59_999;
    w.report('ZTSDB_BAD_CRC', 'message a: bad checksum');
    expect(lines).toHaveLength(2);
    now += 1;
    w.report('ZTSDB_BAD_CRC', 'message b: bad checksum');
    expect(lines[2]).toBe('message b: bad checksum (66871 more like it since the last line)');
    w.stop();
  });

  it('writes the count of a burst that ended once its interval is over', () => {
    let now = 0;
    const lines: string[] = [];
    const w = new RepeatedWarnings(
      (l) => lines.push(l),
      1000,
      () => now,
    );
    for (let i = 0; i < 5; i++) w.report('k', `bad ${i}`);
    w.flush();
    expect(lines).toEqual(['bad 0']);
    now = 1000;
    w.flush();
    expect(lines).toEqual(['bad 0', 'bad 4 (4 more like it since the last line)']);
    // The summary starts a new interval: the next occurrence is held back, not written at once.
    now = 1001;
    expect(w.report('k', 'bad 5')).toBe(false);
    now = 5000;
    w.flush();
    expect(lines[2]).toBe('bad 5 (1 more like it since the last line)');
    // A quiet interval forgets the key: the next occurrence is written at once.
    now = 7000;
    w.flush();
    expect(w.report('k', 'bad 6')).toBe(true);
    expect(lines).toHaveLength(4);
    w.stop();
  });

  it('writes the held-back count on its own timer', async () => {
    const lines: string[] = [];
    const w = new RepeatedWarnings((l) => lines.push(l), 50);
    w.report('k', 'one');
    w.report('k', 'two');
    await new Promise((r) => setTimeout(r, 200));
    expect(lines).toEqual(['one', 'two (1 more like it since the last line)']);
    w.stop();
  });
  it('writes the next line at once after reset (the condition it reported is over)', () => {
    let t = 0;
    const lines: string[] = [];
    const w = new RepeatedWarnings(
      (m) => lines.push(m),
      60_000,
      () => t,
    );
    expect(w.report('disk', 'disk full')).toBe(true);
    t += 1000;
    expect(w.report('disk', 'disk full')).toBe(false);
    w.reset('disk');
    expect(w.report('disk', 'disk full again')).toBe(true);
    expect(lines).toEqual(['disk full', 'disk full again']);
    w.stop();
  });
});
