import { partitionOf, seriesId } from '@ztsdb/model';
import { PartitionColumnsBuilder } from './container-columns';

describe('PartitionColumnsBuilder', () => {
  const c = { id: 'abc123def456' };

  it('groups a tick by partition into columns', () => {
    const b = new PartitionColumnsBuilder(4);
    const cols = b.build([
      {
        container: c,
        timestampMs: 1000,
        values: { 'container.cpu.usage': 12.5, 'container.memory.bytes': 4096 },
      },
      {
        container: { id: '000000000001' },
        timestampMs: 1000,
        values: { 'container.cpu.usage': 1 },
      },
    ]);
    const total = cols.reduce((n, x) => n + x.count, 0);
    expect(total).toBe(3);
    for (const col of cols) {
      for (let i = 0; i < col.count; i++) {
        expect(partitionOf(col.ids[i]!, 4)).toBe(col.partition);
        expect(col.timestamps[i]).toBe(1000);
      }
    }
    const cpuId = seriesId('container.cpu.usage.abc123def456');
    const col = cols.find((x) => x.partition === partitionOf(cpuId, 4))!;
    const at = Array.from(col.ids.subarray(0, col.count)).indexOf(cpuId);
    expect(col.values[at]).toBe(12.5);
  });

  it('grows past its initial capacity', () => {
    const b = new PartitionColumnsBuilder(1);
    const samples = Array.from({ length: 500 }, (_, i) => ({
      container: { id: i.toString(16).padStart(12, '0') },
      timestampMs: 5,
      values: { 'container.cpu.usage': i },
    }));
    b.build(samples.slice(0, 1));
    const [col] = b.build(samples);
    expect(col!.count).toBe(500);
    expect(Array.from(col!.values.subarray(0, 500))).toEqual(samples.map((_, i) => i));
  });

  it('forgets every series a container ever had, extra metrics included', () => {
    const b = new PartitionColumnsBuilder(4);
    b.build([
      {
        container: c,
        timestampMs: 1,
        values: { 'container.cpu.usage': 1, 'container.memory.mapped.bytes': 2 },
      },
    ]);
    const gone = b.forget(c.id);
    expect(gone.map((r) => r.metric).sort()).toEqual([
      'container.cpu.usage',
      'container.memory.mapped.bytes',
    ]);
    expect(b.forget(c.id)).toEqual([]);
  });
});
