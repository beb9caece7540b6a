/// <reference lib="dom" />
import { ContainersModel, DROP_AFTER_MS, GONE_AFTER_MS } from '../../apps/web/src/containers-model';

/**
 * The Containers page's model against a small fake of the PromQL API (the point: control the
 * server's clock and each container's last sample, which a live stack cannot): rows carry the
 * labels and latest values, a container without samples for GONE_AFTER_MS is gone (greyed),
 * and after DROP_AFTER_MS it is dropped.
 */

interface Fake {
  nowMs: number;
  /** container id → time of its latest sample, ms; absent = no longer answered. */
  lastSample: Map<string, number>;
  /** Every query asked, in order. */
  queries: string[];
}

const METRICS = [
  'container_cpu_usage',
  'container_memory_bytes',
  'container_net_rx_bytes',
  'container_net_tx_bytes',
  'container_block_read_bytes',
  'container_block_write_bytes',
];

function fakeApi(f: Fake): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input), 'http://x');
    const q = url.searchParams.get('query') ?? '';
    const t = f.nowMs / 1000;
    let ids = [...f.lastSample.keys()];
    f.queries.push(q);
    let body: unknown;
    if (url.pathname === '/api/v1/query') {
      const metric = METRICS.find((m) => q.includes(m)) ?? '';
      // The label query: the plain CPU series, all of them or some by container_id.
      const full = q.startsWith('container_cpu_usage');
      const only = /container_id=~"([^"]*)"/.exec(q)?.[1];
      if (only !== undefined) ids = ids.filter((id) => new RegExp(`^(?:${only})$`).test(id));
      const result = ids.map((id, i) => ({
        metric: full
          ? {
              __name__: metric,
              container_id: id,
              container_name: `name-${id}`,
              image: 'nginx:1.27',
              runtime: 'docker',
              host: 'h1',
            }
          : { container_id: id, host: 'h1' },
        value: [t, String(q.includes('timestamp(') ? f.lastSample.get(id)! / 1000 : (i + 1) * 10)],
      }));
      body = { status: 'success', data: { resultType: 'vector', result } };
    } else {
      body = { status: 'success', data: { resultType: 'matrix', result: [] } };
    }
    return new Response(JSON.stringify(body), { status: 200 });
  }) as typeof fetch;
}

describe('the Containers page model', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('keeps labels and latest values, greys a silent container, then drops it', async () => {
    const f: Fake = {
      nowMs: 1_800_000_000_000,
      lastSample: new Map([
        ['aaaaaaaaaaaa', 1_800_000_000_000],
        ['bbbbbbbbbbbb', 1_800_000_000_000],
      ]),
      queries: [],
    };
    globalThis.fetch = fakeApi(f);
    const m = new ContainersModel();
    await m.refresh();
    expect(m.rows.size).toBe(2);
    const a = m.rows.get('h1/aaaaaaaaaaaa')!;
    expect(a).toMatchObject({
      id: 'aaaaaaaaaaaa',
      name: 'name-aaaaaaaaaaaa',
      image: 'nginx:1.27',
      runtime: 'docker',
      host: 'h1',
      gone: false,
    });
    expect(a.values).toEqual({ cpu: 10, mem: 10, rx: 10, tx: 10, rd: 10, wr: 10 });

    // b stops reporting: still answered (within the lookback) but its last sample ages.
    f.nowMs += GONE_AFTER_MS + 1000;
    f.lastSample.set('aaaaaaaaaaaa', f.nowMs);
    await m.refresh();
    expect(m.rows.get('h1/aaaaaaaaaaaa')!.gone).toBe(false);
    expect(m.rows.get('h1/bbbbbbbbbbbb')!.gone).toBe(true);

    // Its series end (no longer answered): the row stays, greyed, until DROP_AFTER_MS.
    f.lastSample.delete('bbbbbbbbbbbb');
    f.nowMs += 10_000;
    f.lastSample.set('aaaaaaaaaaaa', f.nowMs);
    await m.refresh();
    expect(m.rows.get('h1/bbbbbbbbbbbb')?.gone).toBe(true);
    f.nowMs += DROP_AFTER_MS;
    f.lastSample.set('aaaaaaaaaaaa', f.nowMs);
    await m.refresh();
    expect([...m.rows.keys()]).toEqual(['h1/aaaaaaaaaaaa']);

    // A container that comes back is a live row again.
    f.lastSample.set('bbbbbbbbbbbb', f.nowMs);
    await m.refresh();
    expect(m.rows.get('h1/bbbbbbbbbbbb')!.gone).toBe(false);
  });

  it('asks for labels only for containers it does not know yet', async () => {
    const f: Fake = {
      nowMs: 1_800_000_000_000,
      lastSample: new Map([['aaaaaaaaaaaa', 1_800_000_000_000]]),
      queries: [],
    };
    globalThis.fetch = fakeApi(f);
    const m = new ContainersModel();
    await m.refresh();
    const labelQueries = () => f.queries.filter((q) => q.startsWith('container_cpu_usage'));
    expect(labelQueries()).toEqual(['container_cpu_usage']);
    await m.refresh();
    expect(labelQueries()).toHaveLength(1);
    f.lastSample.set('cccccccccccc', f.nowMs);
    await m.refresh();
    expect(labelQueries()[1]).toBe('container_cpu_usage{container_id=~"cccccccccccc"}');
    expect(m.rows.get('h1/cccccccccccc')).toMatchObject({
      name: 'name-cccccccccccc',
      image: 'nginx:1.27',
      values: { cpu: 20, mem: 20 },
    });
    expect(m.rows.get('h1/aaaaaaaaaaaa')!.name).toBe('name-aaaaaaaaaaaa');
  });

  it("changes a row's stamp only when something shown of it changed", async () => {
    const f: Fake = {
      nowMs: 1_800_000_000_000,
      lastSample: new Map([
        ['aaaaaaaaaaaa', 1_800_000_000_000],
        ['bbbbbbbbbbbb', 1_800_000_000_000],
      ]),
      queries: [],
    };
    globalThis.fetch = fakeApi(f);
    const m = new ContainersModel();
    await m.refresh();
    const stamps = () => [...m.rows.values()].map((r) => r.stamp);
    const first = stamps();
    // Same values (the fake answers by position), same state: nothing to render again.
    f.nowMs += 1000;
    for (const id of f.lastSample.keys()) f.lastSample.set(id, f.nowMs);
    await m.refresh();
    expect(stamps()).toEqual(first);
    // The first container drops out of the answers, so the second one's values change and
    // the first one's age makes it gone: both are stamped anew.
    f.lastSample.delete('aaaaaaaaaaaa');
    f.nowMs += GONE_AFTER_MS + 1000;
    f.lastSample.set('bbbbbbbbbbbb', f.nowMs);
    await m.refresh();
    const [a, b] = stamps();
    expect(a).not.toBe(first[0]);
    expect(b).not.toBe(first[1]);
    expect(m.rows.get('h1/aaaaaaaaaaaa')!.gone).toBe(true);
  });
});
