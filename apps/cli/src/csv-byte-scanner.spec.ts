import { CsvByteScanner } from './csv-byte-scanner';
import { parseCsvLine } from './import-parsers';

interface Seen {
  samples: Array<[string, number, number]>;
  slow: number[];
  errors: string[];
}

/** Scans `text` cut into chunks of `step` bytes; series are named like the import does. */
function scan(text: string, step: number): Seen {
  const seen: Seen = { samples: [], slow: [], errors: [] };
  const names: string[] = [];
  const scanner = new CsvByteScanner({
    sample: (ref, ts, v) => seen.samples.push([names[ref]!, ts, v]),
    slowLine: (line, lineNo) => {
      seen.slow.push(lineNo);
      const r = parseCsvLine(line);
      if (r === null) return -1;
      if ('error' in r) {
        seen.errors.push(`${lineNo}: ${r.error}`);
        return -1;
      }
      let ref = names.indexOf(r.name);
      if (ref < 0) ref = names.push(r.name) - 1;
      seen.samples.push([r.name, r.timestamp, r.value]);
      return ref;
    },
  });
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += step) scanner.push(bytes.subarray(i, i + step));
  scanner.end();
  return seen;
}

/** What the general parser alone makes of the same lines. */
function reference(text: string): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const l of lines) {
    const r = parseCsvLine(l.endsWith('\r') ? l.slice(0, -1) : l);
    if (r && !('error' in r)) out.push([r.name, r.timestamp, r.value]);
  }
  return out;
}

describe('CsvByteScanner', () => {
  const text = [
    'series_name,timestamp_ms,value',
    'container.cpu.usage.abc123def456,1700000000000,12.5',
    'container.cpu.usage.abc123def456,1700000001000,0.54',
    'container.cpu.usage.abc123def456,1700000002000,-3',
    'container.cpu.usage.abc123def456,1700000003000,1e3',
    'container.cpu.usage.abc123def456,1700000004000,NaN',
    'container.cpu.usage.abc123def456, 1700000005000,7',
    'container.cpu.usage.abc123def456,1700000006000,.5\r',
    'container.cpu.usage.abc123def456,1700000007000,123456789012345678',
    'container.cpu.usage.abc123def456,-1,+0.000000000000000000001',
    'container.cpu.usage.abc123def456,1700000008000,',
    'container.cpu.usage.abc123def456,1700000009000,1,2',
    '"container.cpu.usage.abc123def456",1700000010000,4',
    ' container.cpu.usage.abc123def456,1700000011000,5',
    'up{job="a"},1700000012000,1',
    'up{job="a"},1700000013000,2',
    '',
    'container.memory.bytes.abc123def456,1700000000000,4096000',
    'container.memory.bytes.abc123def456,17000000000001234,1',
    'garbage',
    'container.memory.bytes.abc123def456,1700000001000,4096001',
  ].join('\n');

  it('gives the samples the general parser gives, whatever the chunking', () => {
    const want = reference(text);
    expect(want.length).toBeGreaterThan(12);
    for (const step of [1, 2, 7, 64, 1 << 20]) {
      const seen = scan(text, step);
      expect(seen.samples).toEqual(want);
    }
  });

  it('takes plain lines of known series itself and leaves the rest to the general parser', () => {
    const seen = scan(text, 1 << 20);
    // First line of each series, and every line that is not plain, goes the general way.
    expect(seen.slow).toEqual([1, 2, 5, 6, 7, 9, 11, 12, 13, 14, 15, 17, 18, 19, 20]);
    expect(seen.errors).toEqual([
      expect.stringMatching(/^11: bad value/),
      expect.stringMatching(/^12: expected 3 comma-separated fields/),
      expect.stringMatching(/^19: bad timestamp/),
      expect.stringMatching(/^20: expected 3 comma-separated fields/),
    ]);
  });

  it('reads a last line without a newline and counts every line', () => {
    const seen = scan('a,1,2\nb,3,4\na,5,6', 4);
    expect(seen.samples).toEqual([
      ['a', 1, 2],
      ['b', 3, 4],
      ['a', 5, 6],
    ]);
  });

  it('parses decimals exactly as Number() does', () => {
    const values = ['0.1', '0.2', '16.43', '99.99', '-0', '123456789012345', '0.000123', '5.'];
    const lines = ['m,1,0', ...values.map((v, i) => `m,${i + 2},${v}`)].join('\n') + '\n';
    const seen = scan(lines, 1 << 20);
    expect(seen.slow).toEqual([1]);
    expect(seen.samples.slice(1).map((s) => s[2])).toEqual(values.map(Number));
    expect(Object.is(seen.samples[5]![2], -0)).toBe(true);
  });

  it('tells apart many series with the same hash slot neighbourhood', () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`s${i},${i},${i}`);
    for (let i = 0; i < 5000; i++) lines.push(`s${i},${i + 1},${i + 1}`);
    const seen = scan(lines.join('\n') + '\n', 1000);
    expect(seen.slow.length).toBe(5000);
    expect(seen.samples.slice(5000)).toEqual(
      Array.from({ length: 5000 }, (_, i) => [`s${i}`, i + 1, i + 1]),
    );
  });

  it('follows a repeating order of series, and lines that break it, prefixes included', () => {
    // Ticks of the same series in the same order, then an order that differs from the one
    // remembered: a series whose name is a prefix of the expected one and the reverse.
    const order = ['cpu.a', 'cpu.ab', 'cpu.b', 'mem.a'];
    const lines: string[] = [];
    for (let t = 0; t < 3; t++) for (const s of order) lines.push(`${s},${t},${t}.5`);
    for (const s of ['cpu.ab', 'cpu.a', 'mem.a', 'cpu.b', 'cpu.a']) lines.push(`${s},9,1`);
    lines.push('cpu.a,10,x', 'cpu.ab,11,2\r', 'cpu.b,12');
    const text = lines.join('\n');
    const want = reference(text);
    for (const step of [1, 3, 5, 1 << 20]) {
      const seen = scan(text, step);
      expect(seen.samples).toEqual(want);
      expect(seen.errors).toEqual([
        expect.stringMatching(/^18: bad value/),
        expect.stringMatching(/^20: expected 3 comma-separated fields/),
      ]);
    }
    // Only the first line of each series and the two bad ones go the general way.
    expect(scan(text, 1 << 20).slow).toEqual([1, 2, 3, 4, 18, 20]);
  });
});
