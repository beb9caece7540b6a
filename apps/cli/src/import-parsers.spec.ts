import { detectFormat, parseCsvLine, parseJsonLine, parsePromLine } from './import-parsers';

describe('import parsers', () => {
  it('reads CSV lines and names what is wrong', () => {
    const ok = parseCsvLine('container.cpu.usage.abc123def456,1700000000000,12.5');
    expect(ok).toMatchObject({
      name: 'container.cpu.usage.abc123def456',
      timestamp: 1_700_000_000_000,
      value: 12.5,
    });
    expect(ok && 'labels' in ok && ok.labels()).toEqual({
      __name__: 'container_cpu_usage',
      container_id: 'abc123def456',
    });
    expect(parseCsvLine('series,timestamp_ms,value')).toBeNull();
    expect(parseCsvLine('')).toBeNull();
    expect(parseCsvLine('a,1,NaN')).toMatchObject({ value: NaN });
    expect(parseCsvLine('a,1')).toEqual({ error: expect.stringMatching(/3 comma-separated/) });
    expect(parseCsvLine('a,1.5,2')).toEqual({ error: expect.stringMatching(/bad timestamp/) });
    // Sixteen digits fit the pattern but can pass 2^53 (an input the fuzzer found).
    expect(parseCsvLine('a,9007199254740991,1')).toMatchObject({ timestamp: 9007199254740991 });
    expect(parseCsvLine('a,-9007199254740991,1')).toMatchObject({ timestamp: -9007199254740991 });
    for (const line of ['a,9007199254740992,1', 'cont12346ba7,9581700000000000,NaN'])
      expect(parseCsvLine(line)).toEqual({
        error: expect.stringMatching(
          /^bad timestamp "\d+" \(want integer milliseconds within ±9007199254740991\)$/,
        ),
      });
    expect(parsePromLine('m 1 9581700000000000')).toEqual({
      error: expect.stringMatching(/bad timestamp/),
    });
    expect(parseCsvLine('a,1,2x')).toEqual({ error: expect.stringMatching(/bad value/) });
    expect(parseCsvLine('a b,1,2')).toEqual({ error: expect.stringMatching(/bad series name/) });
  });

  it('reads Prometheus text with timestamps', () => {
    const r = parsePromLine(
      'container_cpu_usage{container_id="abc123def456",container_name="web \\"1\\""} 3.5 1700000000000',
    );
    expect(r).toMatchObject({
      name: 'container.cpu.usage.abc123def456',
      timestamp: 1_700_000_000_000,
      value: 3.5,
    });
    expect(r && 'labels' in r && r.labels()).toEqual({
      __name__: 'container_cpu_usage',
      container_id: 'abc123def456',
      container_name: 'web "1"',
    });
    expect(parsePromLine('http_requests{code="200",method="get"} 7 1')).toMatchObject({
      name: 'http_requests{code="200",method="get"}',
    });
    expect(parsePromLine('up 1 5')).toMatchObject({ name: 'up', value: 1, timestamp: 5 });
    expect(parsePromLine('# HELP up x')).toBeNull();
    expect(parsePromLine('up 1')).toEqual({ error: expect.stringMatching(/no timestamp/) });
    expect(parsePromLine('up 1', 42)).toMatchObject({ name: 'up', value: 1, timestamp: 42 });
    expect(parsePromLine('up{a=1} 1 2')).toEqual({ error: expect.stringMatching(/bad label/) });
    expect(parsePromLine('{} 1 2')).toEqual({ error: expect.stringMatching(/expected metric/) });
  });

  it('keeps an escaped backslash before n as backslash + n, and \\n as a newline', () => {
    const r = parsePromLine('m{path="C:\\\\new",msg="a\\nb"} 1 2');
    expect(r && 'labels' in r && r.labels()).toEqual({
      __name__: 'm',
      path: 'C:\\new',
      msg: 'a\nb',
    });
  });

  it('keeps series apart that share metric and container_id but differ in other labels', () => {
    const a = parsePromLine('container_cpu_usage{container_id="abc123def456",cpu="0"} 1 2');
    const b = parsePromLine('container_cpu_usage{container_id="abc123def456",cpu="1"} 1 2');
    expect(a).toMatchObject({ name: 'container_cpu_usage{container_id="abc123def456",cpu="0"}' });
    expect(b).toMatchObject({ name: 'container_cpu_usage{container_id="abc123def456",cpu="1"}' });
    const other = parsePromLine('http_requests_total{container_id="abc123def456"} 1 2');
    expect(other).toMatchObject({ name: 'http_requests_total{container_id="abc123def456"}' });
    // The collector's own series with its own labels keep ztsdb's name.
    expect(
      parsePromLine('container_cpu_usage{container_id="abc123def456",image="x",host="h"} 1 2'),
    ).toMatchObject({ name: 'container.cpu.usage.abc123def456' });
  });

  it('reads OpenMetrics (seconds, exemplars) and export CSV and JSON lines', () => {
    expect(
      parsePromLine('a_total{x="1"} 3 1700000000.25 # {trace_id="t"} 1 1', 0, true),
    ).toMatchObject({ name: 'a_total{x="1"}', value: 3, timestamp: 1_700_000_000_250 });
    expect(parsePromLine('# EOF', 0, true)).toBeNull();
    const c = parseCsvLine('"up{instance=""h:1,2"",job=""a""}",5,1');
    expect(c).toMatchObject({ name: 'up{instance="h:1,2",job="a"}', timestamp: 5, value: 1 });
    expect(c && 'labels' in c && c.labels()).toEqual({
      __name__: 'up',
      instance: 'h:1,2',
      job: 'a',
    });
    expect(parseCsvLine('series_name,timestamp_ms,value')).toBeNull();
    expect(parseCsvLine('"up{a=""x""},5,1')).toEqual({ error: expect.stringMatching(/3 comma/) });
    const j = parseJsonLine(
      '{"metric":{"__name__":"up","job":"a"},"values":[1,"NaN"],"timestamps":[1,2]}',
    );
    expect(j).toMatchObject({ name: 'up{job="a"}', timestamps: [1, 2], values: [1, NaN] });
    expect(parseJsonLine('{"metric":{"__name__":"up"},"values":[1],"timestamps":[]}')).toEqual({
      error: '1 values but 0 timestamps',
    });
    expect(parseJsonLine('{')).toEqual({ error: expect.stringMatching(/not JSON/) });
  });

  it('detects the format', () => {
    expect(detectFormat(['# TYPE x counter', '# UNIT x seconds'], 'f')).toBe('openmetrics');
    expect(detectFormat(['{"metric":{}}'], 'f')).toBe('jsonl');
    expect(detectFormat(['# TYPE x gauge'], 'f')).toBe('prom');
    expect(detectFormat(['x{a="b"} 1 2'], 'f')).toBe('prom');
    expect(detectFormat(['a.b,1,2'], 'f')).toBe('csv');
    expect(detectFormat([], 'f.prom')).toBe('prom');
  });
});
