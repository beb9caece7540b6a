import {
  detectFormat,
  IMPORT_FORMATS,
  parseCsvLine,
  parseJsonLine,
  parsePromLine,
  type ParseResult,
} from '../../../apps/cli/src/import-parsers';
import { CsvByteScanner } from '../../../apps/cli/src/csv-byte-scanner';
import { FuzzViolation, check, type FuzzTarget } from '../fuzz-target';

function checkResult(what: string, r: ParseResult): void {
  if (r === null) return;
  if ('error' in r) {
    check(typeof r.error === 'string' && r.error.length > 0, `${what}: an empty error`);
    return;
  }
  check(typeof r.name === 'string' && r.name.length > 0, `${what}: an empty series name`);
  check(
    Number.isSafeInteger(r.timestamp),
    `${what}: timestamp ${r.timestamp} is not a safe integer`,
  );
  check(typeof r.value === 'number', `${what}: value is not a number`);
  const labels = r.labels();
  check(
    Object.values(labels).every((v) => typeof v === 'string') &&
      typeof labels.__name__ === 'string',
    `${what}: labels are not strings or lack __name__`,
  );
}

function parse(what: string, fn: () => ParseResult): void {
  let r: ParseResult;
  try {
    r = fn();
  } catch (err) {
    const e = err as Error;
    throw new FuzzViolation(`${what} threw ${e?.name}: ${e?.message}`, { cause: err });
  }
  checkResult(what, r);
}

/** The CSV byte scanner (import's fast path) gives what parseCsvLine gives, line by line. */
function checkCsvScanner(data: Uint8Array): void {
  const text = Buffer.from(data).toString('utf8');
  const want: string[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const l of lines) {
    const r = parseCsvLine(l.endsWith('\r') ? l.slice(0, -1) : l);
    if (r && !('error' in r))
      want.push(`${r.name} ${r.timestamp} ${Object.is(r.value, -0) ? '-0' : r.value}`);
  }
  const got: string[] = [];
  const names: string[] = [];
  const scanner = new CsvByteScanner({
    sample: (ref, ts, v) => got.push(`${names[ref]} ${ts} ${Object.is(v, -0) ? '-0' : v}`),
    slowLine: (line) => {
      const r = parseCsvLine(line);
      if (r === null || 'error' in r) return -1;
      got.push(`${r.name} ${r.timestamp} ${Object.is(r.value, -0) ? '-0' : r.value}`);
      let ref = names.indexOf(r.name);
      if (ref < 0) ref = names.push(r.name) - 1;
      return ref;
    },
  });
  // Re-encoded text, so invalid UTF-8 reads the same on both sides.
  const bytes = Buffer.from(text, 'utf8');
  const cut = bytes.length > 0 ? (bytes[0]! % 7) + 1 : 1;
  for (let i = 0; i < bytes.length; i += cut) scanner.push(bytes.subarray(i, i + cut));
  scanner.end();
  check(
    got.length === want.length && got.every((g, i) => g === want[i]),
    `CsvByteScanner gave ${got.length} samples, parseCsvLine ${want.length}; first difference at ${got.findIndex((g, i) => g !== want[i])}`,
  );
}

/** The import parsers report bad lines as `{ error }`; they never throw. */
export const importParsersTarget: FuzzTarget = {
  name: 'import-parsers',
  description:
    'apps/cli parseCsvLine / parsePromLine / detectFormat (ztsdb import); CsvByteScanner agrees with parseCsvLine',
  run(data) {
    const text = Buffer.from(data).toString('utf8');
    const lines = text.split('\n');
    for (const line of lines) {
      parse('parseCsvLine', () => parseCsvLine(line));
      parse('parsePromLine', () => parsePromLine(line));
      parse('parsePromLine(now)', () => parsePromLine(line, 1_700_000_000_000));
      parse('parsePromLine(openmetrics)', () => parsePromLine(line, 0, true));
      parse('parseJsonLine', () => {
        const r = parseJsonLine(line);
        if (r === null || 'error' in r) return r;
        check(r.timestamps.length === r.values.length, 'parseJsonLine: columns differ');
        return r.timestamps.length > 0
          ? { name: r.name, labels: r.labels, timestamp: r.timestamps[0]!, value: r.values[0]! }
          : null;
      });
    }
    try {
      checkCsvScanner(data);
    } catch (err) {
      if (err instanceof FuzzViolation) throw err;
      throw new FuzzViolation(`CsvByteScanner threw ${(err as Error)?.message}`, { cause: err });
    }
    parse('detectFormat', () => {
      const f = detectFormat(lines.slice(0, 5), lines[0] ?? '');
      check(IMPORT_FORMATS.includes(f), 'unknown format');
      return null;
    });
  },
  seeds() {
    return [
      'series,timestamp_ms,value\ncontainer.cpu.usage.abc123def456,1700000000000,12.5\n',
      'container.memory.bytes.0123456789ab,1700000000000,NaN\nx,-1,+Inf\n',
      '# HELP m help\ncontainer_cpu_usage{container_id="abc123def456"} 1.5 1700000000000\n',
      'up{job="a\\"b",instance="h:9"} 1 1700000000000\nup 1\n',
      'm{a="1",b="2",} -Inf 1\nm{__proto__="x"} 0 0\n',
      '{"metric":{"__name__":"up","job":"a"},"values":[1,"NaN"],"timestamps":[1,2]}\n',
      '"up{job=""a,b""}",1700000000000,1\nm_total{a="x"} 1 1700000000.5 # {t="1"} 1\n# EOF\n',
      'a,1,2\na,2,.5\na,-3,-0\na, 4,5\r\na,5,1e3\nb,1,2,3\na,6,12345678901234567\n',
    ].map((s) => new TextEncoder().encode(s));
  },
};
