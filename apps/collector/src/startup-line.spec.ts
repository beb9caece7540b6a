import { collectorStartupLine } from './startup-line';

describe('collectorStartupLine', () => {
  const base = { source: 'cgroupfs', intervalMs: 1000, partitions: 4, producerId: 255n };

  it('says the source and the containers found', () => {
    expect(collectorStartupLine({ ...base, containers: 3 })).toBe(
      'collecting from the cgroupfs source every 1000 ms into 4 partitions (producer ff); found 3 containers',
    );
  });

  it('says where to look when it found none, and the metadata source when there is one', () => {
    const line = collectorStartupLine({
      ...base,
      containers: 0,
      metadata: 'docker at /run/docker.sock',
    });
    expect(line).toMatch(
      /found no containers \(none running, or not under ZTSDB_CGROUP_ROOT\); metadata from docker at \/run\/docker.sock$/,
    );
  });
});
