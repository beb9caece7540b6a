import { ProgressBar } from './progress-bar';
import { renderTop, type Row } from './top-command';

const rows: Row[] = Array.from({ length: 10 }, (_, i) => ({
  id: `c${i}`,
  name: `web-${i}`,
  values: [i, 1024, undefined, undefined, undefined, undefined],
}));
const at = new Date(0);

describe('renderTop', () => {
  it('fits the terminal height, keeping header and footer, and counts what it left out', () => {
    const text = renderTop(rows, 120, 8, true, at);
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(8 - 1);
    expect(lines[0]).toMatch(/^CONTAINER ID/);
    expect(lines[lines.length - 1]).toMatch(/10 containers \(6 more below;.* · q or Ctrl-C quits/);
  });

  it('prints every row and no quit hint once (--once)', () => {
    const text = renderTop(rows, 120, undefined, false, at);
    expect(text.trimEnd().split('\n')).toHaveLength(1 + 10 + 2);
    expect(text).not.toMatch(/quits/);
  });
});

describe('ProgressBar off a terminal', () => {
  it('prints the 100 % line once', () => {
    const out: string[] = [];
    const bar = new ProgressBar(100, 'import', false, (s) => out.push(s));
    bar.update(100, 'all read');
    bar.update(100, 'all sent', true);
    bar.done();
    expect(out.filter((l) => l.includes('100.0%'))).toEqual([expect.stringContaining('all sent')]);
  });
});
