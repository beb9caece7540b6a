import { ZtsdbError } from '@ztsdb/errors';
import { parseSelector } from '../../../apps/query/src/series-selector';
import { FuzzViolation, check, type FuzzTarget } from '../fuzz-target';

/**
 * parseSelector on arbitrary text: a selector or a typed error (bad
 * parameter). Only parsing is fuzzed here; matching series against the
 * compiled patterns belongs to the query engine's own tests.
 */
export const selectorTarget: FuzzTarget = {
  name: 'selector',
  description: 'apps/query parseSelector (match / match[] parameters)',
  run(data) {
    const text = Buffer.from(data).toString('utf8');
    let sel;
    try {
      sel = parseSelector(text);
    } catch (err) {
      if (err instanceof ZtsdbError) return;
      const e = err as Error;
      throw new FuzzViolation(`parseSelector threw ${e?.name}: ${e?.message}`, { cause: err });
    }
    if (sel.kind === 'matchers') {
      check(sel.matchers.length > 0, 'a selector without matchers');
      for (const m of sel.matchers)
        check(typeof m.label === 'string' && typeof m.value === 'string', 'a malformed matcher');
    } else if (sel.kind === 'name') check(sel.name.length > 0, 'an empty name');
  },
  seeds() {
    return [
      'container.cpu.usage.abc123def456',
      'container.cpu.*',
      'container_cpu_usage{container_name="web-1"}',
      '{__name__=~"container_.*", image!="x", pod!~"a|b"}',
      'container_memory_bytes{namespace=\'default\',host="h\\"1"}',
      '{a=""}',
      'x{',
      '*?*',
    ].map((s) => new TextEncoder().encode(s));
  },
};
