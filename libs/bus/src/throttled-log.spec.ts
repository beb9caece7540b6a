import { ThrottledLog } from './throttled-log';

describe('ThrottledLog', () => {
  it('writes one line per key and interval, then says how many it held back', () => {
    let t = 0;
    const lines: string[] = [];
    const log = new ThrottledLog(
      (m) => lines.push(m),
      60_000,
      () => t,
    );
    expect(log.log('disk', 'disk full')).toBe(true);
    for (let i = 0; i < 5; i++) {
      t += 1000;
      expect(log.log('disk', 'disk full')).toBe(false);
    }
    expect(log.log('other', 'bad event 7')).toBe(true);
    t = 60_000;
    log.log('disk', 'disk full');
    expect(lines).toEqual([
      'disk full',
      'bad event 7',
      'disk full (5 more like it since the last report)',
    ]);
    log.reset('disk');
    log.log('disk', 'disk full again');
    expect(lines[3]).toBe('disk full again');
  });
});
