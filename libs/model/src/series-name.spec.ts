import { METRICS, promName } from './metrics';
import {
  parseSeriesKey,
  parseSeriesName,
  seriesId,
  seriesKey,
  seriesName,
  shortContainerId,
} from './series-name';
import { partitionOf, checkPartitionCount } from './partition';
import { seriesLabels } from './labels';

describe('series naming', () => {
  it('has the ten metrics of the design', () => {
    expect(METRICS).toHaveLength(10);
    expect(promName('container.cpu.usage')).toBe('container_cpu_usage');
  });

  it('builds and parses names', () => {
    const id = shortContainerId('ABC123DEF456'.padEnd(64, '0'));
    expect(id).toBe('abc123def456');
    const name = seriesName('container.cpu.usage', id);
    expect(name).toBe('container.cpu.usage.abc123def456');
    expect(parseSeriesName(name)).toEqual({ metric: 'container.cpu.usage', containerId: id });
    expect(parseSeriesName('container.cpu.usage')).toBeUndefined();
    expect(parseSeriesName('nodot')).toBeUndefined();
  });

  it('refuses ids that are not hex', () => {
    expect(() => shortContainerId('not-a-container')).toThrow(/not a hex container id/);
  });

  it('keys ids as 16 hex digits and back', () => {
    const id = seriesId('container.cpu.usage.abc123def456');
    const key = seriesKey(id);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(parseSeriesKey(key)).toBe(id);
    expect(seriesKey(1n)).toBe('0000000000000001');
    expect(parseSeriesKey('xyz')).toBeUndefined();
  });

  it('partitions by id modulo the count', () => {
    expect(partitionOf(10n, 4)).toBe(2);
    expect(partitionOf(0xffffffffffffffffn, 4)).toBe(3);
    expect(() => checkPartitionCount(0)).toThrow();
    expect(() => checkPartitionCount(2.5)).toThrow();
    expect(checkPartitionCount(4)).toBe(4);
  });

  it('labels a series', () => {
    expect(
      seriesLabels('container.net.rx.bytes', {
        id: 'abc123def456',
        runtime: 'docker',
        name: 'web',
      }),
    ).toEqual({
      __name__: 'container_net_rx_bytes',
      container_id: 'abc123def456',
      container_name: 'web',
      runtime: 'docker',
    });
  });
});
