import { ReleasePacer, TRIM_AFTER_GROWTH } from './release-pacer';

const MiB = 1024 * 1024;
/** A check of a 1 s interval: `cpuMs` of CPU time, RSS in MiB. */
const at = (cpuMs: number, rssMiB: number) => ({ cpuMicros: cpuMs * 1000, rssBytes: rssMiB * MiB });

describe('ReleasePacer', () => {
  it('collects on the first idle check after the process worked, once a burst', () => {
    const p = new ReleasePacer(1000);
    expect(p.next(at(10, 100))).toBe('none'); // idle, nothing done yet
    expect(p.next(at(900, 160))).toBe('none'); // working
    expect(p.next(at(600, 170))).toBe('none'); // still working
    expect(p.next(at(20, 170))).toBe('collect'); // idle and steady: the burst is over
    p.released(120 * MiB);
    expect(p.next(at(20, 120))).toBe('none');
    expect(p.next(at(20, 120))).toBe('none'); // idle for a while: nothing more to do
  });

  it('waits while the RSS still grows or the CPU is not idle', () => {
    const p = new ReleasePacer(1000);
    p.next(at(800, 100));
    expect(p.next(at(20, 110))).toBe('none'); // RSS grew 10 MiB: still settling
    expect(p.next(at(100, 110))).toBe('none'); // 10 % of the interval: not idle
    expect(p.next(at(20, 110))).toBe('collect');
  });

  it('scales its shares with the interval', () => {
    const p = new ReleasePacer(200);
    p.next(at(60, 100)); // 30 % of 200 ms: working
    expect(p.next(at(5, 100))).toBe('collect'); // 2.5 %: idle
  });

  it('collects after letGo without a burst of work', () => {
    const p = new ReleasePacer(1000);
    expect(p.next(at(10, 100))).toBe('none');
    p.letGo();
    expect(p.next(at(10, 100))).toBe('collect');
    expect(p.next(at(10, 100))).toBe('none');
  });

  it('trims a process that never idles once its RSS grew and stopped growing', () => {
    const p = new ReleasePacer(1000);
    expect(p.next(at(500, 100))).toBe('none');
    expect(p.next(at(500, 100 + TRIM_AFTER_GROWTH / MiB))).toBe('none'); // still growing
    expect(p.next(at(500, 100 + TRIM_AFTER_GROWTH / MiB))).toBe('trim');
    p.released(110 * MiB);
    expect(p.next(at(500, 110))).toBe('none');
  });

  describe('with collectAfterGrowth', () => {
    it('only trims after a burst that grew the RSS by less, and collects after a larger one', () => {
      const p = new ReleasePacer(1000, 16 * MiB);
      expect(p.next(at(10, 100))).toBe('none');
      expect(p.next(at(400, 108))).toBe('none'); // a light burst: 8 MiB
      expect(p.next(at(10, 108))).toBe('trim');
      p.released(106 * MiB);
      expect(p.next(at(400, 140))).toBe('none'); // a heavy one: 40 MiB
      expect(p.next(at(10, 140))).toBe('collect');
    });

    it('counts growth from the last collection, not from the trims between', () => {
      const p = new ReleasePacer(1000, 16 * MiB);
      p.next(at(10, 100));
      p.next(at(400, 110));
      expect(p.next(at(10, 110))).toBe('trim');
      p.released(110 * MiB);
      p.next(at(400, 118)); // 8 MiB over the trim, 18 over the start
      expect(p.next(at(10, 118))).toBe('collect');
      p.released(100 * MiB, true);
      p.next(at(400, 110));
      expect(p.next(at(10, 110))).toBe('trim'); // 10 MiB over what the collection left
    });

    it('collects after letGo whatever the growth', () => {
      const p = new ReleasePacer(1000, 16 * MiB);
      p.next(at(10, 100));
      p.letGo();
      expect(p.next(at(10, 100))).toBe('collect');
    });
  });
});
