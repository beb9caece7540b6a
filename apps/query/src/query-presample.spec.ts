import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSettings } from '@ztsdb/config';
import { addedEvent } from '@ztsdb/manifest';
import { encodeSeriesEntry, partitionOf, seriesId, seriesKey, seriesLabels } from '@ztsdb/model';
import { tempDir } from '@ztsdb/testing';
import { coldFileName, encodeColdFile, type ColdSeries } from '@ztsdb/tsdb';
import type { ManifestEvent } from '@ztsdb/wire';
import { QueryService } from './query.service';
import { SeriesRegistry } from './series-registry';
import { TieredStore } from './tiered-store';

const PARTITIONS = 2;
const CONTAINERS = 150;
const POINTS = 1200;
const T0 = Date.UTC(2024, 0, 1);
const WINDOW = 2 * 3_600_000;

/** Cold files of CONTAINERS CPU series (percent, two decimals) over two partitions, and a service over them. */
async function serviceOverColdFiles(
  dir: string,
): Promise<{ queries: QueryService; store: TieredStore }> {
  const registry = new SeriesRegistry(null);
  const byPartition: ColdSeries[][] = Array.from({ length: PARTITIONS }, () => []);
  const timestamps = Float64Array.from({ length: POINTS }, (_, i) => T0 + i * 1000);
  for (let c = 0; c < CONTAINERS; c++) {
    const cid = (0xc0ffee000000 + c).toString(16);
    const name = `container.cpu.usage.${cid}`;
    const id = seriesId(name);
    const labels = seriesLabels('container.cpu.usage', { id: cid, image: `img-${c % 3}` });
    registry.applyEntry(
      seriesKey(id),
      encodeSeriesEntry({ id: seriesKey(id), name, labels, active: true, updatedMs: 0 }),
    );
    // Noisy percents with two decimals, as real CPU series are: packed, read by index.
    const values = Float64Array.from(
      { length: POINTS },
      () => Math.round((10 + (c % 60) + Math.random() * 20) * 100) / 100,
    );
    byPartition[partitionOf(id, PARTITIONS)]!.push({
      seriesId: id,
      version: 1,
      timestamps,
      values,
    });
  }
  const events: ManifestEvent[] = [];
  byPartition.forEach((cold, p) => {
    const file = `cold/p${p}/${coldFileName(T0, p + 1)}`;
    const pieces = encodeColdFile({ partition: p, windowStart: T0, windowEnd: T0 + WINDOW }, cold);
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), Buffer.concat(pieces));
    const stats = {
      minT: T0,
      maxT: T0 + (POINTS - 1) * 1000,
      seriesCount: cold.length,
      points: cold.length * POINTS,
    };
    events.push(addedEvent('cold-added', p, file, pieces, stats));
  });
  const store = TieredStore.overLocalFiles(dir, events, 0);
  await store.prepared();
  const queries = QueryService.detached(loadSettings({ NATS_URL: 'nats://127.0.0.1:1' }), {
    registry,
    store,
    hot: { fetch: () => Promise.resolve({ series: [], missing: [] }) },
    partitions: PARTITIONS,
  });
  return { queries, store };
}

/** How many of the first reads came in ascending (partition, series id) order. */
const sortedRun = (reads: string[]): number => {
  let k = 1;
  while (k < reads.length && reads[k - 1]! < reads[k]!) k++;
  return k;
};

describe('aggregations sampled ahead in the files’ order', () => {
  const dir = tempDir('ztsdb-presample-');
  let queries: QueryService;
  let store: TieredStore;
  const order: string[] = [];

  beforeAll(async () => {
    ({ queries, store } = await serviceOverColdFiles(dir.path));
    const read = store.sampleAtInstantsNow.bind(store);
    store.sampleAtInstantsNow = (partition, id, ...rest) => {
      order.push(`${partition}:${seriesKey(id)}`);
      return read(partition, id, ...rest);
    };
  });

  afterAll(async () => {
    await store.stop();
    dir.remove();
  });

  const ask = (params: Record<string, string>): Promise<Buffer> =>
    queries.queryBuffer({
      match: 'container_cpu_usage',
      start: String(T0),
      end: String(T0 + (POINTS - 1) * 1000),
      ...params,
    });

  const cases: Array<Record<string, string>> = [
    { agg: 'sum', step: '60s', by: '' },
    { agg: 'avg', step: '15s', by: 'image' },
    { agg: 'max', step: '1m', by: '' },
  ];
  it.each(cases)(
    'answers $agg by "$by" at $step to the bit as sampling in name order does',
    async (params: Record<string, string>) => {
      queries.presampleMaxBytes = 0;
      order.length = 0;
      const byName = await ask(params);
      const nameOrder = [...order];
      queries.presampleMaxBytes = 8 * 1024 * 1024;
      order.length = 0;
      const ahead = await ask(params);
      expect(ahead.equals(byName)).toBe(true);
      // Every series was sampled straight from its cold file, the second time in the files' order
      // (a series whose turn came as the clock called for a pause is read after, in name order).
      expect(new Set(order).size).toBe(CONTAINERS);
      expect(sortedRun(order)).toBeGreaterThan(CONTAINERS / 2);
      expect(sortedRun(nameOrder)).toBeLessThan(CONTAINERS / 2);
      expect(JSON.parse(ahead.toString('utf8')).result[0].series).toBeGreaterThan(0);
    },
  );

  it('samples in name order when the matrix would pass its bound', async () => {
    queries.presampleMaxBytes = CONTAINERS * 20 * 8 - 1;
    order.length = 0;
    await ask({ agg: 'sum', step: '60s' });
    expect(sortedRun(order)).toBeLessThan(CONTAINERS / 2);
    queries.presampleMaxBytes = 8 * 1024 * 1024;
  });
});
