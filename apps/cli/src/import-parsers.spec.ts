import { detectFormat, parseCsvLine, parsePromLine } from './import-parsers';

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
    expect(parsePromLine('up{a=1} 1 2')).toEqual({ error: expect.stringMatching(/bad label/) });
    expect(parsePromLine('{} 1 2')).toEqual({ error: expect.stringMatching(/expected metric/) });
  });

  it('detects the format', () => {
    expect(detectFormat(['# TYPE x gauge'], 'f')).toBe('prom');
    expect(detectFormat(['x{a="b"} 1 2'], 'f')).toBe('prom');
    expect(detectFormat(['a.b,1,2'], 'f')).toBe('csv');
    expect(detectFormat([], 'f.prom')).toBe('prom');
  });
});
