import { hostname } from 'node:os';

/** One NATS URL, or several separated by commas (spaces around the commas allowed). */
export const NATS_URL_LIST =
  /^\s*(nats|tls|ws|wss):\/\/[^\s,]+(\s*,\s*(nats|tls|ws|wss):\/\/[^\s,]+)*\s*$/;

/**
 * What `Settings`' decorators (libs/config settings.ts) say of one setting, as data: how its
 * text is read (`int`: digits only, `duration`: parseLenientDurationMs) and what the value must
 * be. The spec compares this table with class-validator's and class-transformer's metadata of
 * `Settings`, so a setting changed there and not here fails the tests.
 */
export interface SettingRule {
  default: string | number | undefined;
  from?: 'int' | 'duration';
  string?: true;
  int?: true;
  min?: number;
  max?: number;
  oneOf?: ReadonlyArray<string | number>;
  pattern?: RegExp;
  optional?: true;
}

/** Every setting, in `Settings`' order. */
export const SETTING_RULES: Readonly<Record<string, SettingRule>> = {
  NATS_URL: {
    default: 'nats://127.0.0.1:4222',
    string: true,
    pattern: NATS_URL_LIST,
  },
  ZTSDB_REPLICAS: { default: 1, from: 'int', int: true, min: 1, max: 5 },
  NATS_USER: { default: '', string: true },
  NATS_PASSWORD: { default: '', string: true },
  NATS_TOKEN: { default: '', string: true },
  NATS_NKEY_SEED: { default: '', string: true },
  NATS_CREDS: { default: '', string: true },
  NATS_TLS_CA: { default: '', string: true },
  NATS_TLS_CERT: { default: '', string: true },
  NATS_TLS_KEY: { default: '', string: true },
  NATS_INBOX_PREFIX: { default: '_INBOX', string: true, pattern: /^[^\s.*>]+(\.[^\s.*>]+)*$/ },
  ZTSDB_HTTP_TOKEN: { default: '', string: true },
  ZTSDB_HTTP_TOKEN_FILE: { default: '', string: true },
  ZTSDB_HTTP_TLS_CERT: { default: '', string: true },
  ZTSDB_HTTP_TLS_KEY: { default: '', string: true },
  ZTSDB_DATA_DIR: { default: './data', string: true },
  ZTSDB_PARTITIONS: { default: 12, from: 'int', int: true, min: 1, max: 1024 },
  ZTSDB_HTTP_ADDR: { default: '127.0.0.1:9280', string: true, pattern: /^[^\s:]+:\d{1,5}$/ },
  ZTSDB_SOURCE: { default: 'auto', oneOf: ['auto', 'synthetic', 'ebpf', 'cgroupfs'] },
  ZTSDB_COLLECT_INTERVAL_MS: { default: 1000, from: 'int', int: true, min: 100, max: 3600000 },
  ZTSDB_DISCOVERY_INTERVAL_MS: { default: 5000, from: 'int', int: true, min: 100, max: 3600000 },
  ZTSDB_CGROUP_ROOT: { default: undefined, optional: true, string: true },
  ZTSDB_SYNTHETIC_CONTAINERS: { default: 20, from: 'int', int: true, min: 0, max: 100000 },
  ZTSDB_SYNTHETIC_LIFETIME: { default: 0, from: 'duration', int: true, min: 0 },
  ZTSDB_DOCKER_SOCKET: { default: '', string: true },
  DOCKER_HOST: { default: '', string: true },
  ZTSDB_CADVISOR_METRICS: { default: 'on', oneOf: ['on', 'off'] },
  ZTSDB_COLLECTOR_BACKLOG: { default: 10000, from: 'int', int: true, min: 1, max: 10000000 },
  ZTSDB_WRITE_MAX_BYTES: { default: 33554432, from: 'int', int: true, min: 1024, max: 1073741824 },
  ZTSDB_WRITE_MAX_SERIES: { default: 100000, from: 'int', int: true, min: 1, max: 10000000 },
  ZTSDB_SAMPLE_BATCH_VERSION: { default: 3, from: 'int', oneOf: [1, 2, 3] },
  ZTSDB_RECEIVER_BACKLOG: { default: 4096, from: 'int', int: true, min: 1, max: 1000000 },
  ZTSDB_RECEIVER_ACK_TIMEOUT: { default: 10000, from: 'duration', int: true, min: 100 },
  ZTSDB_HOST: { default: hostname(), string: true },
  ZTSDB_QUERY_MAX_POINTS: { default: 1000000, from: 'int', int: true, min: 1 },
  ZTSDB_QUERY_MAX_SERIES: { default: 10000, from: 'int', int: true, min: 1 },
  ZTSDB_QUERY_TIMEOUT_MS: { default: 10000, from: 'int', int: true, min: 10 },
  ZTSDB_QUERY_MAX_CONCURRENT: { default: 8, from: 'int', int: true, min: 1 },
  ZTSDB_QUERY_MAX_QUEUED: { default: 16, from: 'int', int: true, min: 0 },
  ZTSDB_QUERY_MAX_BYTES: { default: 134217728, from: 'int', int: true, min: 1024 },
  ZTSDB_QUERY_DECODED_CACHE_BYTES: { default: 67108864, from: 'int', int: true, min: 0 },
  ZTSDB_QUERY_COLD_RESIDENT_BYTES: { default: 67108864, from: 'int', int: true, min: 0 },
  ZTSDB_QUERY_WARMUP: { default: 1, from: 'int', int: true, min: 0, max: 1 },
  ZTSDB_QUERY_WARMUP_REQUESTS: { default: 0, from: 'int', int: true, min: 0, max: 100_000 },
  ZTSDB_NATS_RETRY_DEADLINE: { default: 60000, from: 'duration', int: true, min: 0 },
  ZTSDB_HOT_TIMEOUT_MS: { default: 2000, from: 'int', int: true, min: 10 },
  ZTSDB_HOT_EXTENT_MAX_AGE_MS: { default: 2000, from: 'int', int: true, min: 0, max: 60_000 },
  ZTSDB_SAMPLES_RETENTION_MS: { default: 86400000, from: 'int', int: true, min: 60000 },
  ZTSDB_COLD_AFTER: { default: 21600000, from: 'duration', int: true, min: 0 },
  ZTSDB_COLD_WINDOW: { default: 86400000, from: 'duration', int: true, min: 1000 },
  ZTSDB_RETENTION: { default: 2592000000, from: 'duration', int: true, min: 1000 },
  ZTSDB_TIER_CACHE_BYTES: { default: 2147483648, from: 'int', int: true, min: 1048576 },
  ZTSDB_WARM_GRACE: { default: 60000, from: 'duration', int: true, min: 0 },
  ZTSDB_TIER_SWEEP_INTERVAL: { default: 3600000, from: 'duration', int: true, min: 0 },
  ZTSDB_TIER_SWEEP_AGE: { default: 3600000, from: 'duration', int: true, min: 0 },
  ZTSDB_COMPACT_INTERVAL: { default: 60000, from: 'duration', int: true, min: 50 },
  ZTSDB_REGISTRY_SNAPSHOT_INTERVAL: { default: 60000, from: 'duration', int: true, min: 100 },
  ZTSDB_MANIFEST_SNAPSHOT_INTERVAL: { default: 900000, from: 'duration', int: true, min: 1000 },
  ZTSDB_REGISTRY_REFRESH: { default: 300000, from: 'duration', int: true, min: 100 },
  ZTSDB_WARM_FLUSH: { default: 2000, from: 'duration', int: true, min: 10 },
  ZTSDB_WARM_BATCH_CHUNKS: { default: 4096, from: 'int', int: true, min: 1, max: 8192 },
  ZTSDB_WARM_BATCH_BYTES: { default: 2097152, from: 'int', int: true, min: 65536 },
  ZTSDB_COLD_MERGE_FILES: { default: 64, from: 'int', int: true, min: 1 },
  ZTSDB_COLD_MERGE_BUFFER_BYTES: { default: 4194304, from: 'int', int: true, min: 65536 },
  ZTSDB_COLD_PACKED_SLACK_PERCENT: { default: 25, from: 'int', int: true, min: 0, max: 300 },
  ZTSDB_COLD_BROTLI_QUALITY: { default: 10, from: 'int', int: true, min: 5, max: 11 },
  ZTSDB_QUERY_LOOKBACK: { default: 300000, from: 'duration', int: true, min: 1 },
  ZTSDB_PROMQL_LOOKBACK: { default: 300000, from: 'duration', int: true, min: 1 },
  ZTSDB_PROMQL_MAX_SAMPLES: { default: 50000000, from: 'int', int: true, min: 1 },
  ZTSDB_CHUNK_MAX_AGE: { default: 7200000, from: 'duration', int: true, min: 1000 },
  ZTSDB_INGESTOR_PARTITIONS: { default: '', string: true, pattern: /^(\s*\d+\s*(,\s*\d+\s*)*)?$/ },
  ZTSDB_LEASE_TTL_MS: { default: 10000, from: 'duration', int: true, min: 500, max: 3600000 },
  ZTSDB_INGESTOR_ID: { default: '', string: true, pattern: /^[A-Za-z0-9_-]*$/ },
  ZTSDB_COMPACTOR_ID: { default: '', string: true, pattern: /^[A-Za-z0-9_-]*$/ },
  ZTSDB_INGESTOR_SNAPSHOT_INTERVAL: { default: 60000, from: 'duration', int: true, min: 100 },
  ZTSDB_MAX_FUTURE: { default: 86400000, from: 'duration', int: true, min: 0 },
  ZTSDB_MIN_TIMESTAMP_MS: { default: 946684800000, from: 'int', int: true },
  ZTSDB_WAL_MAX_BYTES: { default: 67108864, from: 'int', int: true, min: 1048576 },
  ZTSDB_INGESTOR_FETCH_BYTES: { default: 4194304, from: 'int', int: true, min: 65536 },
  ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES: { default: 67108864, from: 'int', int: true, min: 0 },
  ZTSDB_DISK_MIN_FREE_BYTES: { default: 67108864, from: 'int', int: true, min: 0 },
  ZTSDB_DISK_PROBE_INTERVAL: { default: 5000, from: 'duration', int: true, min: 10 },
  ZTSDB_STREAM_CHECK_INTERVAL: { default: 5000, from: 'duration', int: true, min: 10 },
  ZTSDB_STREAM_RECREATE_AFTER: { default: 2000, from: 'duration', int: true, min: 0 },
  ZTSDB_MEMORY_RELEASE_INTERVAL: { default: 1000, from: 'duration', int: true, min: 0 },
  ZTSDB_MEMORY_COLLECT_GROWTH: { default: 16777216, from: 'int', int: true, min: 0 },
  ZTSDB_MALLOC_MMAP_THRESHOLD: { default: 131072, from: 'int', int: true, min: 0, max: 33554432 },
  ZTSDB_V8_NEW_SPACE: { default: 'auto', oneOf: ['auto', 'small', 'grow'] },
  ZTSDB_WARN_INTERVAL: { default: 60000, from: 'duration', int: true, min: 0 },
  ZTSDB_COLLECTOR_HTTP_ADDR: {
    default: '127.0.0.1:9281',
    string: true,
    pattern: /^([^\s:]+:\d{1,5}|off)$/,
  },
  ZTSDB_INGESTOR_HTTP_ADDR: {
    default: '127.0.0.1:9282',
    string: true,
    pattern: /^([^\s:]+:\d{1,5}|off)$/,
  },
  ZTSDB_COMPACTOR_HTTP_ADDR: {
    default: '127.0.0.1:9283',
    string: true,
    pattern: /^([^\s:]+:\d{1,5}|off)$/,
  },
  ZTSDB_NATS_SERVER: { default: undefined, optional: true, string: true },
  ZTSDB_LOG_LEVEL: { default: 'info', oneOf: ['debug', 'info', 'warn', 'error'] },
  ZTSDB_LOG_FORMAT: { default: 'text', oneOf: ['text', 'json'] },
};
