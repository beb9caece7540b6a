import {
  detectFormat,
  IMPORT_FORMATS,
  parseCsvLine,
  parseJsonLine,
  parsePromLine,
  type ParseResult,
} from '../../../apps/cli/src/import-parsers';
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

/** The import parsers report bad lines as `{ error }`; they never throw. */
export const importParsersTarget: FuzzTarget = {
  name: 'import-parsers',
  description: 'apps/cli parseCsvLine / parsePromLine / detectFormat (ztsdb import)',
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
    ].map((s) => new TextEncoder().encode(s));
  },
};
