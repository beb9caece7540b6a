import { loadSettings, SettingsError } from './settings';

describe('settings', () => {
  it('has the defaults of DESIGN.md', () => {
    const s = loadSettings({});
    expect(s.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(s.ZTSDB_DATA_DIR).toBe('./data');
    expect(s.ZTSDB_PARTITIONS).toBe(12);
    expect(s.ZTSDB_HTTP_ADDR).toBe('127.0.0.1:9280');
    expect(s.httpHost).toBe('127.0.0.1');
    expect(s.httpPort).toBe(9280);
    expect(s.ZTSDB_SOURCE).toBe('auto');
    expect(s.ZTSDB_COLLECT_INTERVAL_MS).toBe(1000);
    expect(s.ZTSDB_DISCOVERY_INTERVAL_MS).toBe(5000);
    expect(s.ZTSDB_SYNTHETIC_CONTAINERS).toBe(20);
    expect(s.ZTSDB_CGROUP_ROOT).toBeUndefined();
  });

  it('takes sample batch version 1, 2 or 3 (default 3) and nothing else', () => {
    expect(loadSettings({}).ZTSDB_SAMPLE_BATCH_VERSION).toBe(3);
    expect(loadSettings({ ZTSDB_SAMPLE_BATCH_VERSION: '1' }).ZTSDB_SAMPLE_BATCH_VERSION).toBe(1);
    expect(loadSettings({ ZTSDB_SAMPLE_BATCH_VERSION: '3' }).ZTSDB_SAMPLE_BATCH_VERSION).toBe(3);
    expect(() => loadSettings({ ZTSDB_SAMPLE_BATCH_VERSION: '4' })).toThrow(SettingsError);
    expect(() => loadSettings({ ZTSDB_SAMPLE_BATCH_VERSION: '0' })).toThrow(SettingsError);
  });

  it('reads how long the samples stream must be missing before it is re-created', () => {
    expect(loadSettings({}).ZTSDB_STREAM_RECREATE_AFTER).toBe(2000);
    expect(loadSettings({ ZTSDB_STREAM_RECREATE_AFTER: '10s' }).ZTSDB_STREAM_RECREATE_AFTER).toBe(
      10_000,
    );
    expect(loadSettings({ ZTSDB_STREAM_RECREATE_AFTER: '0' }).ZTSDB_STREAM_RECREATE_AFTER).toBe(0);
    expect(() => loadSettings({ ZTSDB_STREAM_RECREATE_AFTER: '-1s' })).toThrow(
      /ZTSDB_STREAM_RECREATE_AFTER/,
    );
  });

  it('bounds the memory settings: consumer fetch, snapshot scratch, allocator mmap threshold', () => {
    const d = loadSettings({});
    expect(d.ZTSDB_INGESTOR_FETCH_BYTES).toBe(4 * 1024 * 1024);
    expect(d.ZTSDB_QUERY_COLD_RESIDENT_BYTES).toBe(64 * 1024 * 1024);
    expect(
      loadSettings({ ZTSDB_QUERY_COLD_RESIDENT_BYTES: '0' }).ZTSDB_QUERY_COLD_RESIDENT_BYTES,
    ).toBe(0);
    expect(() => loadSettings({ ZTSDB_QUERY_COLD_RESIDENT_BYTES: '-1' })).toThrow(
      /ZTSDB_QUERY_COLD_RESIDENT_BYTES/,
    );
    expect(d.ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES).toBe(64 * 1024 * 1024);
    expect(
      loadSettings({ ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES: '0' })
        .ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES,
    ).toBe(0);
    expect(() => loadSettings({ ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES: '-1' })).toThrow(
      /ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES/,
    );
    expect(d.ZTSDB_WARM_BATCH_BYTES).toBe(2 * 1024 * 1024);
    expect(loadSettings({ ZTSDB_WARM_BATCH_BYTES: '65536' }).ZTSDB_WARM_BATCH_BYTES).toBe(65536);
    expect(() => loadSettings({ ZTSDB_WARM_BATCH_BYTES: '65535' })).toThrow(
      /ZTSDB_WARM_BATCH_BYTES/,
    );
    expect(d.ZTSDB_MALLOC_MMAP_THRESHOLD).toBe(128 * 1024);
    expect(d.ZTSDB_MEMORY_RELEASE_INTERVAL).toBe(1000);
    expect(
      loadSettings({ ZTSDB_MEMORY_RELEASE_INTERVAL: '30s' }).ZTSDB_MEMORY_RELEASE_INTERVAL,
    ).toBe(30_000);
    expect(loadSettings({ ZTSDB_MEMORY_RELEASE_INTERVAL: '0' }).ZTSDB_MEMORY_RELEASE_INTERVAL).toBe(
      0,
    );
    const s = loadSettings({
      ZTSDB_INGESTOR_FETCH_BYTES: '1048576',
      ZTSDB_MALLOC_MMAP_THRESHOLD: '0',
    });
    expect(s.ZTSDB_INGESTOR_FETCH_BYTES).toBe(1048576);
    expect(s.ZTSDB_MALLOC_MMAP_THRESHOLD).toBe(0);
    expect(() => loadSettings({ ZTSDB_INGESTOR_FETCH_BYTES: '1000' })).toThrow(
      /ZTSDB_INGESTOR_FETCH_BYTES/,
    );
    expect(() => loadSettings({ ZTSDB_MALLOC_MMAP_THRESHOLD: String(64 * 1024 * 1024) })).toThrow(
      /ZTSDB_MALLOC_MMAP_THRESHOLD/,
    );
  });

  it('reads and converts values', () => {
    const s = loadSettings({
      ZTSDB_PARTITIONS: '8',
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_CGROUP_ROOT: '/x',
      ZTSDB_HTTP_ADDR: '0.0.0.0:1',
    });
    expect(s.ZTSDB_PARTITIONS).toBe(8);
    expect(s.ZTSDB_SOURCE).toBe('synthetic');
    expect(s.ZTSDB_CGROUP_ROOT).toBe('/x');
    expect(s.httpHost).toBe('0.0.0.0');
  });

  it('names every bad setting', () => {
    try {
      loadSettings({
        ZTSDB_PARTITIONS: 'four',
        ZTSDB_SOURCE: 'magic',
        ZTSDB_HTTP_ADDR: 'nope',
        NATS_URL: 'http://x',
      });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(SettingsError);
      const msg = (e as Error).message;
      expect(msg).toMatch(/ZTSDB_PARTITIONS="four"/);
      expect(msg).toMatch(/ZTSDB_SOURCE="magic"/);
      expect(msg).toMatch(/ZTSDB_HTTP_ADDR="nope"/);
      expect(msg).toMatch(/NATS_URL must look like/);
    }
    expect(() => loadSettings({ ZTSDB_COLLECT_INTERVAL_MS: '5' })).toThrow(
      /ZTSDB_COLLECT_INTERVAL_MS/,
    );
    expect(() => loadSettings({ ZTSDB_HTTP_ADDR: '127.0.0.1:70000' })).toThrow(/above 65535/);
  });

  it('takes a comma-separated list of NATS servers, and the replica count', () => {
    const list = 'nats://127.0.0.1:4222, nats://127.0.0.1:4223,tls://h:4224';
    expect(loadSettings({ NATS_URL: list }).NATS_URL).toBe(list);
    expect(loadSettings({}).ZTSDB_REPLICAS).toBe(1);
    expect(loadSettings({ ZTSDB_REPLICAS: '3' }).ZTSDB_REPLICAS).toBe(3);
    expect(() => loadSettings({ ZTSDB_REPLICAS: '6' })).toThrow(/ZTSDB_REPLICAS="6"/);
    expect(() => loadSettings({ ZTSDB_REPLICAS: '0' })).toThrow(/ZTSDB_REPLICAS/);
    for (const bad of ['nats://a:1,', 'nats://a:1,,nats://b:2', 'nats://a:1,http://b:2']) {
      expect(() => loadSettings({ NATS_URL: bad })).toThrow(/NATS_URL must look like/);
    }
    try {
      loadSettings({ NATS_URL: 'nats://u:secret@a:1,nats://tok@b:2,http://c' });
      throw new Error('no error');
    } catch (e) {
      expect((e as Error).message).not.toMatch(/secret|tok@/);
      expect((e as Error).message).toMatch(/nats:\/\/\*\*\*@a:1,nats:\/\/\*\*\*@b:2/);
    }
  });

  it('gives each service its own metrics address, none colliding under ztsdb all', () => {
    const s = loadSettings({});
    const addrs = [
      s.ZTSDB_HTTP_ADDR,
      s.ZTSDB_COLLECTOR_HTTP_ADDR,
      s.ZTSDB_INGESTOR_HTTP_ADDR,
      s.ZTSDB_COMPACTOR_HTTP_ADDR,
    ];
    expect(new Set(addrs).size).toBe(4);
    expect(loadSettings({ ZTSDB_COMPACTOR_HTTP_ADDR: 'off' }).ZTSDB_COMPACTOR_HTTP_ADDR).toBe(
      'off',
    );
    expect(() => loadSettings({ ZTSDB_COLLECTOR_HTTP_ADDR: 'nope' })).toThrow(
      /ZTSDB_COLLECTOR_HTTP_ADDR must be host:port or off/,
    );
  });
});
