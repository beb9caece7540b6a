import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { KV_SERIES } from '@ztsdb/bus';
import { decodeSeriesEntry, seriesId, seriesKey, type SeriesEntry } from '@ztsdb/model';
import { REGISTRY_SNAPSHOT_FILE } from '@ztsdb/config';
import { waitFor } from '@ztsdb/testing';
import { CompactorTestBed } from './compactor-test-bed';

const entry = (name: string, labels: Record<string, string>): SeriesEntry => ({
  id: seriesKey(seriesId(name)),
  name,
  labels,
  active: true,
  updatedMs: 1,
});

describe('series registry lost (KV ztsdb_series deleted)', () => {
  let bed: CompactorTestBed;
  beforeAll(async () => {
    bed = await CompactorTestBed.start();
  });
  afterAll(async () => {
    await bed?.close();
  });

  /** As `nats kv del ztsdb_series` does. */
  const destroyBucket = async (): Promise<void> => {
    const jsm = await jetstreamManager(bed.nc);
    expect(await jsm.streams.delete(`KV_${KV_SERIES}`)).toBe(true);
  };

  /** What a reader that starts now finds in the bucket, by name. */
  const registry = async (): Promise<Map<string, SeriesEntry>> => {
    const kv = await new Kvm(bed.nc).open(KV_SERIES);
    const out = new Map<string, SeriesEntry>();
    for await (const k of await kv.keys()) {
      const v = await kv.get(k);
      if (!v || v.length === 0) continue;
      const e = decodeSeriesEntry(k, v.value);
      out.set(e.name, e);
    }
    return out;
  };

  it('is rebuilt by the compactor from its snapshot, with labels', async () => {
    const kv = await new Kvm(bed.nc).create(KV_SERIES, { history: 1 });
    const entries = Array.from({ length: 50 }, (_, i) =>
      entry(`imported_metric{job="j${i}"}`, { __name__: 'imported_metric', job: `j${i}` }),
    );
    for (const e of entries) await kv.put(e.id, JSON.stringify(e));
    const compactor = await bed.startCompactor({ registryIntervalMs: 200 });
    const snap = path.join(bed.dataDir, REGISTRY_SNAPSHOT_FILE);
    await waitFor(() => fs.existsSync(snap), 'the registry snapshot');

    await destroyBucket();

    await waitFor(
      () => bed.logs.some((l) => /had lost 50 series entries/.test(l)),
      'the compactor to restore the registry',
    );
    const r = await registry();
    expect(r.size).toBe(50);
    expect(r.get('imported_metric{job="j7"}')?.labels).toEqual({
      __name__: 'imported_metric',
      job: 'j7',
    });

    // A series registered after the loss is kept too, and so survives a second loss.
    const late = entry('late_metric', { __name__: 'late_metric' });
    await (await new Kvm(bed.nc).open(KV_SERIES)).put(late.id, JSON.stringify(late));
    await waitFor(async () => {
      await compactor.keepRegistry();
      return fs.readFileSync(snap).includes('late_metric');
    }, 'the late series in the snapshot');
    await bed.stopCompactor(compactor);
    await destroyBucket();
    const again = await bed.startCompactor({ registryIntervalMs: 60_000 });
    await bed.stopCompactor(again);
    expect((await registry()).get('late_metric')?.labels).toEqual({ __name__: 'late_metric' });
  });
});
