import { labelsMatch, parseSelector } from './series-selector';

describe('series selectors', () => {
  const web1 = {
    __name__: 'container_cpu_usage',
    container_id: 'aaaaaaaaaaaa',
    container_name: 'web-1',
    image: 'nginx',
  };
  const db = {
    __name__: 'container_cpu_usage',
    container_id: 'bbbbbbbbbbbb',
    container_name: 'db',
    image: 'redis',
  };
  const mem = {
    __name__: 'container_memory_bytes',
    container_id: 'aaaaaaaaaaaa',
    container_name: 'web-1',
  };
  const pick = (text: string) => {
    const sel = parseSelector(text);
    if (sel.kind !== 'matchers') throw new Error(sel.kind);
    return [web1, db, mem]
      .filter((l) => labelsMatch(l, sel.matchers))
      .map((l) => `${l.__name__}/${l.container_name}`);
  };

  it('tells names, globs and selectors apart', () => {
    expect(parseSelector('container.cpu.usage.abc123def456')).toEqual({
      kind: 'name',
      name: 'container.cpu.usage.abc123def456',
    });
    expect(parseSelector('container.cpu.*').kind).toBe('glob');
    expect(parseSelector('container_cpu_usage')).toEqual({
      kind: 'matchers',
      matchers: [{ label: '__name__', op: '=', value: 'container_cpu_usage' }],
    });
    expect(parseSelector('container.cpu.usage')).toEqual({
      kind: 'matchers',
      matchers: [{ label: '__name__', op: '=', value: 'container_cpu_usage' }],
    });
  });

  it('applies =, !=, =~ and !~', () => {
    expect(pick('container_cpu_usage{container_name="web-1"}')).toEqual([
      'container_cpu_usage/web-1',
    ]);
    expect(pick('container_cpu_usage{image!="nginx"}')).toEqual(['container_cpu_usage/db']);
    expect(pick('{__name__=~"container_.*", container_name=~"web-.*"}')).toEqual([
      'container_cpu_usage/web-1',
      'container_memory_bytes/web-1',
    ]);
    expect(pick("container_cpu_usage{container_name!~'w.*'}")).toEqual(['container_cpu_usage/db']);
    expect(pick('{container_id="aaaaaaaaaaaa", }')).toEqual([
      'container_cpu_usage/web-1',
      'container_memory_bytes/web-1',
    ]);
    expect(pick('container_memory_bytes{image=""}')).toEqual(['container_memory_bytes/web-1']);
  });

  it('names what is wrong', () => {
    expect(() => parseSelector('x{a=b}')).toThrow(/quoted value after a=/);
    expect(() => parseSelector('x{a="b"')).toThrow(/closing "}"/);
    expect(() => parseSelector('x{a=~"("}')).toThrow(/bad regular expression/);
    expect(() => parseSelector('{a!="b"}')).toThrow(/does not match the empty label/);
    expect(() => parseSelector('x{a="b" c="d"}')).toThrow(/expected "," or "}"/);
    expect(() => parseSelector('  ')).toThrow(/empty selector/);
  });
});
