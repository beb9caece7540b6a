// Over 400 lines: every setting of every service in one validated class, so one table is the
// whole configuration surface and a bad value stops any service with the same message shape;
// each entry is a few lines of decorators and a doc comment (NATS security settings: libs/config-lite/src/security-settings.ts).
// A setting added or changed here also gets its rule in libs/config-lite/src/setting-rules.ts (the
// table `ztsdb import` checks without class-validator); quick-settings.spec.ts fails until it does.
import 'reflect-metadata';
import { hostname } from 'node:os';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import { InvalidInputError } from '@ztsdb/errors';
import {
  durationFromText,
  intFromText,
  NATS_URL_LIST,
  SECRET_SETTINGS,
  securityProblems,
} from '@ztsdb/config-lite';
import { CONFIG_ERROR_CODES } from './errors';

const toInt = ({ value }: { value: unknown }) => intFromText(value);

/** A duration setting as users write it: `500ms`, `30s`, `1.5h`, `30d`, or plain milliseconds. */
const toDuration = ({ value }: { value: unknown }) => durationFromText(value);
const DURATION_MESSAGE = (name: string) => ({
  message: `${name} must be a duration like 500ms, 30s, 6h, 30d or plain milliseconds`,
});

/**
 * Every setting ztsdb reads from the environment, with its default. Names are
 * the environment variables; README.md lists them for users.
 */
export class Settings {
  /** One server, or a comma-separated list of a cluster's servers (the client may use any of them). */
  @IsString()
  @Matches(NATS_URL_LIST, {
    message:
      'NATS_URL must look like nats://host:port, or a comma-separated list of them (nats://a:4222,nats://b:4222)',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  /**
   * Replicas of every stream, KV bucket and object store ztsdb creates: 1 on a single
   * server, 3 in a 3-node cluster (JetStream allows at most 5).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5)
  ZTSDB_REPLICAS = 1;

  // --- Security (DESIGN.md "Security"); '' = not set. Checked by libs/config-lite/src/security-settings.ts. ---
  @IsString()
  NATS_USER = '';

  @IsString()
  NATS_PASSWORD = '';

  @IsString()
  NATS_TOKEN = '';

  /** A user nkey seed (`SU…`). */
  @IsString()
  NATS_NKEY_SEED = '';

  /** A creds file (user JWT and seed). */
  @IsString()
  NATS_CREDS = '';

  /** CA certificate that signed the server's certificate. */
  @IsString()
  NATS_TLS_CA = '';

  /** Client certificate and key, for servers that verify clients. */
  @IsString()
  NATS_TLS_CERT = '';

  @IsString()
  NATS_TLS_KEY = '';

  /** Prefix of this service's reply subjects; `ztsdb nats-config` gives each user its own. */
  @IsString()
  @Matches(/^[^\s.*>]+(\.[^\s.*>]+)*$/, {
    message: 'NATS_INBOX_PREFIX must be a subject without wildcards or spaces, e.g. _INBOX_query',
  })
  NATS_INBOX_PREFIX = '_INBOX';

  /** Bearer token the query API asks for (all but /healthz and /readyz); '' = open. */
  @IsString()
  ZTSDB_HTTP_TOKEN = '';

  /** A file holding that token (read once at start). */
  @IsString()
  ZTSDB_HTTP_TOKEN_FILE = '';

  /** Certificate and key (PEM) to serve the query API over HTTPS; '' = plain HTTP. */
  @IsString()
  ZTSDB_HTTP_TLS_CERT = '';

  @IsString()
  ZTSDB_HTTP_TLS_KEY = '';

  @IsString()
  ZTSDB_DATA_DIR = './data';

  /**
   * 12: the unit of ownership, so it caps useful ingestor and compactor
   * replicas; 12 splits evenly over 1, 2, 3, 4, 6 and 12 replicas. Only a
   * new deployment takes it: an existing one keeps the count recorded in KV
   * ztsdb_config (libs/bus partitions.ts).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1024)
  ZTSDB_PARTITIONS = 12;

  @IsString()
  @Matches(/^[^\s:]+:\d{1,5}$/, {
    message: 'ZTSDB_HTTP_ADDR must be host:port, e.g. 127.0.0.1:9280',
  })
  ZTSDB_HTTP_ADDR = '127.0.0.1:9280';

  @IsIn(['auto', 'synthetic', 'ebpf', 'cgroupfs'])
  ZTSDB_SOURCE: 'auto' | 'synthetic' | 'ebpf' | 'cgroupfs' = 'auto';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  ZTSDB_COLLECT_INTERVAL_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  ZTSDB_DISCOVERY_INTERVAL_MS = 5000;

  @IsOptional()
  @IsString()
  ZTSDB_CGROUP_ROOT?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  ZTSDB_SYNTHETIC_CONTAINERS = 20;

  /**
   * Churn of the synthetic source: each container lives about this long (between half and
   * one and a half times it), then is removed and a new one takes its place; 0 = never.
   */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_SYNTHETIC_LIFETIME'))
  @Min(0)
  ZTSDB_SYNTHETIC_LIFETIME = 0;

  /** The Docker (or Podman) API socket the collector asks for container names and images; empty = DOCKER_HOST, else /var/run/docker.sock. */
  @IsString()
  ZTSDB_DOCKER_SOCKET = '';

  /** Docker's own setting: a `unix://` socket here is used when ZTSDB_DOCKER_SOCKET is empty. */
  @IsString()
  DOCKER_HOST = '';

  /**
   * Also publish cAdvisor's series (container_cpu_usage_seconds_total, container_memory_usage_bytes,
   * …, labels id, name, image) so dashboards made for cAdvisor work: `on` or `off`.
   */
  @IsIn(['on', 'off'])
  ZTSDB_CADVISOR_METRICS: 'on' | 'off' = 'on';

  /** Batches the collector keeps while NATS is unreachable; the oldest are dropped beyond it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  ZTSDB_COLLECTOR_BACKLOG = 10_000;

  // --- Receivers on the query service: POST /api/v1/write and POST /v1/metrics. ---
  /** Largest request body, and largest decoded (snappy) body, a receiver accepts; larger is 413. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1 << 30)
  ZTSDB_WRITE_MAX_BYTES = 32 * 1024 * 1024;

  /** Most series in one write request; more is refused with 400. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  ZTSDB_WRITE_MAX_SERIES = 100_000;

  /**
   * Sample batch version the producers (collector, receivers, `ztsdb import`) write
   * (docs/format/sample-batch.md): 3 sends each series and tick once per batch with no index
   * per point for a scrape, an import or a remote write, and values XORed with the series'
   * previous one; 2 sends each series and timestamp once and a u16 index of each per point
   * (half the bytes of 1); 1 or 2 only while ingestors older than version 3 still run.
   */
  @Transform(toInt)
  @IsIn([1, 2, 3])
  ZTSDB_SAMPLE_BATCH_VERSION: 1 | 2 | 3 = 3;

  /** Sample batches the receivers let wait for JetStream; beyond it writes get 429 and Retry-After. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  ZTSDB_RECEIVER_BACKLOG = 4096;

  /** How long a write waits for JetStream's acknowledgements before it is answered 503. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_RECEIVER_ACK_TIMEOUT'))
  @Min(100)
  ZTSDB_RECEIVER_ACK_TIMEOUT = 10_000;

  @IsString()
  ZTSDB_HOST = hostname();

  @Transform(toInt)
  @IsInt()
  @Min(1)
  ZTSDB_QUERY_MAX_POINTS = 1_000_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  ZTSDB_QUERY_MAX_SERIES = 10_000;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  ZTSDB_QUERY_TIMEOUT_MS = 10_000;

  /** Queries (HTTP and NATS) answered at once; more wait in line. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ZTSDB_QUERY_MAX_CONCURRENT = 8;

  /** Queries that may wait for a slot; past them a query is answered busy (503). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  ZTSDB_QUERY_MAX_QUEUED = 16;

  /** Memory one query may hold: 16 bytes per point loaded, plus its JSON answer. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  ZTSDB_QUERY_MAX_BYTES = 128 * 1024 * 1024;

  /**
   * Decoded warm and cold points the query service keeps between queries (16 bytes a point),
   * least recently used first out; 0 turns the cache off. Step-sampled selectors read past it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  ZTSDB_QUERY_DECODED_CACHE_BYTES = 64 * 1024 * 1024;
  /**
   * Bytes of cold files whose pages the query service leaves resident once its background
   * check at open has read them whole, first come first kept; past it a file's pages are let
   * go as they are checked (they stay in the page cache) and only what queries read comes back.
   * 0: every file's pages let go.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  ZTSDB_QUERY_COLD_RESIDENT_BYTES = 64 * 1024 * 1024;
  /**
   * 1 (the default): at start the query service runs its cold-file read paths over a small
   * synthetic file (no stored data) so V8 has compiled them before the first query, and keeps
   * the objects they read with so that code survives full GCs (read-path-warmup.ts); 0: it
   * does not.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1)
  ZTSDB_QUERY_WARMUP = 1;
  /**
   * With ZTSDB_QUERY_WARMUP=1: requests of a dashboard's kinds (PromQL and the native API) the
   * query service sends itself at start, over synthetic data through its whole request path,
   * so the first real ones run compiled code (request-path-warmup.ts); 0 (the default): none.
   * Off by default: it keeps about 11 MiB more in the query service (compiled code, a grown
   * young generation).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  ZTSDB_QUERY_WARMUP_REQUESTS = 0;
  /** How long a NATS call at start-up (and in client commands) is retried on a timeout before giving up. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_NATS_RETRY_DEADLINE'))
  @Min(0)
  ZTSDB_NATS_RETRY_DEADLINE = 60_000;

  /** How long the query service waits for a partition owner's hot data. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  ZTSDB_HOT_TIMEOUT_MS = 2000;
  /**
   * Partition owners announce the extent of their hot points every quarter of this; the query
   * service skips asking an owner whose extent, heard within this, is disjoint from the range
   * (docs/format/hot-extent.md). 0: owners do not announce and queries always ask.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  ZTSDB_HOT_EXTENT_MAX_AGE_MS = 2000;

  /** How long the samples stream keeps messages (must outlast the longest-lived unsealed chunk). */
  @Transform(toInt)
  @IsInt()
  @Min(60_000)
  ZTSDB_SAMPLES_RETENTION_MS = 24 * 3600_000;

  // --- Compactor (tiers) and query service (tiered reads) ---
  /** Warm files older than this (since written) are merged into cold files. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_COLD_AFTER'))
  @Min(0)
  ZTSDB_COLD_AFTER = 6 * 3600_000;

  /** Time window of one cold file (aligned to the epoch). */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_COLD_WINDOW'))
  @Min(1000)
  ZTSDB_COLD_WINDOW = 24 * 3600_000;

  /** Cold files whose newest point is older than this are expired. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_RETENTION'))
  @Min(1000)
  ZTSDB_RETENTION = 30 * 86_400_000;

  /** Bytes of tier files a query service or compactor keeps in its `cache/` (fetched from the object store; least recently used out). */
  @Transform(toInt)
  @IsInt()
  @Min(1024 * 1024)
  ZTSDB_TIER_CACHE_BYTES = 2 * 1024 * 1024 * 1024;

  /** How long a superseded or expired file stays on disk for readers that still have it open. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_WARM_GRACE'))
  @Min(0)
  ZTSDB_WARM_GRACE = 60_000;

  /** How often the compactor looks for objects of `ztsdb_tiers` that no manifest event names (an upload whose event was never recorded) and deletes them; 0 = never. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_TIER_SWEEP_INTERVAL'))
  @Min(0)
  ZTSDB_TIER_SWEEP_INTERVAL = 3600_000;

  /** Objects put less than this long ago are never swept: their event may still be on its way. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_TIER_SWEEP_AGE'))
  @Min(0)
  ZTSDB_TIER_SWEEP_AGE = 3600_000;

  /** How often the compactor looks for warm files to merge and cold files to expire. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_COMPACT_INTERVAL'))
  @Min(50)
  ZTSDB_COMPACT_INTERVAL = 60_000;

  /** How often the compactor writes its copy of the series registry and puts back entries KV ztsdb_series lost. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_REGISTRY_SNAPSHOT_INTERVAL'))
  @Min(100)
  ZTSDB_REGISTRY_SNAPSHOT_INTERVAL = 60_000;

  /**
   * How often the compactor writes a catalog snapshot on each partition's manifest subject that
   * changed, purging what precedes the previous snapshot (so every event stays at least this long;
   * keep it above the chunks stream's 10-minute duplicate window).
   */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_MANIFEST_SNAPSHOT_INTERVAL'))
  @Min(1000)
  ZTSDB_MANIFEST_SNAPSHOT_INTERVAL = 15 * 60_000;

  /** How often the collector registers its series again if their keys are gone from KV ztsdb_series, and the query service checks it follows the current bucket. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_REGISTRY_REFRESH'))
  @Min(100)
  ZTSDB_REGISTRY_REFRESH = 300_000;

  /** Longest a sealed chunk waits in the compactor before it is written to a warm file. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_WARM_FLUSH'))
  @Min(10)
  ZTSDB_WARM_FLUSH = 2000;

  /** Most sealed chunks in one warm file. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8192)
  ZTSDB_WARM_BATCH_CHUNKS = 4096;

  /**
   * About the most bytes of chunk messages one partition's warm sink fetches for one batch (its
   * warm file): bounds what a burst of sealed chunks (a backfill sealing an hour of every series
   * at once) holds in the compactor's memory.
   */
  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  ZTSDB_WARM_BATCH_BYTES = 2 * 1024 * 1024;

  /** Most warm files merged into cold in one pass. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ZTSDB_COLD_MERGE_FILES = 64;

  /**
   * Bytes of encoded blocks a warm → cold merge holds per cold file before writing them out.
   * The merge goes series by series, so with this it bounds the compactor's merge memory.
   */
  @Transform(toInt)
  @IsInt()
  @Min(65_536)
  ZTSDB_COLD_MERGE_BUFFER_BYTES = 4 * 1024 * 1024;

  /**
   * How much larger (percent) a cold value block readable by index (packed decimals) may be
   * than the smallest encoding and still be written: a query sampled at steps reads only its
   * steps' values from it instead of inflating the whole block. 0 = only when smallest.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  ZTSDB_COLD_PACKED_SLACK_PERCENT = 25;

  /**
   * Brotli quality of the second pass a cold value block's chosen encoding gets (written once,
   * read many times): 10 makes the peers benchmark's cold files ~6 % smaller for ~10x the
   * compression time of the first pass (5). 5 = no second pass. Ignored where zstd is used.
   */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(11)
  ZTSDB_COLD_BROTLI_QUALITY = 10;

  /** With step=, how far back from each step a point may be and still count. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_QUERY_LOOKBACK'))
  @Min(1)
  ZTSDB_QUERY_LOOKBACK = 5 * 60_000;

  /** PromQL: how far back an instant selector looks for a sample (Prometheus's lookback delta). */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_PROMQL_LOOKBACK'))
  @Min(1)
  ZTSDB_PROMQL_LOOKBACK = 5 * 60_000;

  /** PromQL: most samples one query may hold in memory (Prometheus's --query.max-samples). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ZTSDB_PROMQL_MAX_SAMPLES = 50_000_000;

  // --- Ingestor (partition leases, hot chunks, WAL) ---
  /** A hot chunk is sealed once it is older than this (or holds 8,192 points); backfill is cut by its own timestamps and sealed once idle for a tick or open this long (docs/format/wal.md). */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_CHUNK_MAX_AGE'))
  @Min(1000)
  ZTSDB_CHUNK_MAX_AGE = 2 * 3600_000;

  /** Partitions this ingestor owns, e.g. "0,2"; empty = share all partitions with the other replicas through leases. */
  @IsString()
  @Matches(/^(\s*\d+\s*(,\s*\d+\s*)*)?$/, {
    message:
      'ZTSDB_INGESTOR_PARTITIONS must be a comma-separated list of partition numbers, e.g. 0,2',
  })
  ZTSDB_INGESTOR_PARTITIONS = '';

  /** A partition lease (and a replica's membership) lapses this long after its last renewal. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_LEASE_TTL_MS'))
  @Min(500)
  @Max(3_600_000)
  ZTSDB_LEASE_TTL_MS = 10_000;

  /** Identity of this ingestor replica in the lease bucket; empty = host, pid and a random suffix. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]*$/, {
    message: 'ZTSDB_INGESTOR_ID may hold letters, digits, "_" and "-" only',
  })
  ZTSDB_INGESTOR_ID = '';

  /**
   * Identity of this compactor replica in the lease bucket; empty = the host
   * and a hash of the data dir, the same after a restart, so that a restarted
   * compactor takes its own leases back at once instead of after the TTL.
   */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]*$/, {
    message: 'ZTSDB_COMPACTOR_ID may hold letters, digits, "_" and "-" only',
  })
  ZTSDB_COMPACTOR_ID = '';

  /** How often an ingestor snapshots each owned partition's hot state to its LMDB and trims its WAL. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_INGESTOR_SNAPSHOT_INTERVAL'))
  @Min(100)
  ZTSDB_INGESTOR_SNAPSHOT_INTERVAL = 60_000;

  /** Samples more than this far in the future (by the ingestor's clock) make their batch go to the DLQ. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_MAX_FUTURE'))
  @Min(0)
  ZTSDB_MAX_FUTURE = 86_400_000;

  /** Samples before this time (ms since epoch; default 2000-01-01) make their batch go to the DLQ. */
  @Transform(toInt)
  @IsInt()
  ZTSDB_MIN_TIMESTAMP_MS = 946_684_800_000;

  /** Sample batches (bytes) a partition's WAL may hold before its hot state is snapshotted and the WAL trimmed; bounds the WAL's file (a quarter of this, once also as large as the last snapshot, calls for an early snapshot). */
  @Transform(toInt)
  @IsInt()
  @Min(1024 * 1024)
  ZTSDB_WAL_MAX_BYTES = 64 * 1024 * 1024;

  /**
   * Bytes of sample batches each owned partition's consumer asks JetStream for ahead of what
   * it has handled (a pull consumer's `max_bytes`): what waits in the ingestor's memory,
   * undecoded, per partition. Raised to twice the server's max_payload when below it, so that
   * any one batch fits.
   */
  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  ZTSDB_INGESTOR_FETCH_BYTES = 4 * 1024 * 1024;

  /**
   * Largest head snapshot image an ingestor keeps the memory of from one snapshot to the next
   * (one image, the partitions' snapshots taking turns), so that a snapshot, laid out while its
   * partition's applies wait, does not fault in fresh pages; let go when the ingestor is idle.
   * 0: every image in fresh memory.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES = 64 * 1024 * 1024;

  /** The ingestor stops acknowledging samples while less than this many bytes are free under its data dir. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  ZTSDB_DISK_MIN_FREE_BYTES = 64 * 1024 * 1024;

  /** How often an ingestor that stopped for lack of disk space looks whether space is back. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_DISK_PROBE_INTERVAL'))
  @Min(10)
  ZTSDB_DISK_PROBE_INTERVAL = 5000;

  /** How often an ingestor checks that the samples stream and its consumers exist. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_STREAM_CHECK_INTERVAL'))
  @Min(10)
  ZTSDB_STREAM_CHECK_INTERVAL = 5000;

  /**
   * How long the samples stream must have been missing before an ingestor re-creates it: a
   * stream created while the deleted one's files are still being removed loses its own.
   */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_STREAM_RECREATE_AFTER'))
  @Min(0)
  ZTSDB_STREAM_RECREATE_AFTER = 2000;

  /**
   * How often a service looks at its CPU time and RSS to give memory it no longer uses back to
   * the kernel: the pages of the ingestor's WAL files it mapped (they stay in the page cache);
   * on the first idle interval after a burst of work (ingest, merge, queries), a full garbage
   * collection and then the allocator's free pages (glibc malloc_trim), once per burst; and in
   * a process that never idles, the free pages once its RSS grew by 64 MiB and stopped growing.
   * 0 = never.
   */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_MEMORY_RELEASE_INTERVAL'))
  @Min(0)
  ZTSDB_MEMORY_RELEASE_INTERVAL = 1000;

  /**
   * At the end of a burst, the full garbage collection runs only when the RSS grew by at least
   * this many bytes since the last one (otherwise only the allocator's free pages go back): a
   * full collection also makes V8 throw away the code it compiled for the objects the burst
   * used, which a query service answering a dashboard's light queries would pay on every
   * refresh. 0 = collect after every burst.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  ZTSDB_MEMORY_COLLECT_GROWTH = 16 * 1024 * 1024;

  /**
   * Memory blocks of at least this many bytes get their own mapping from the allocator, given
   * back to the kernel when freed (glibc mallopt M_MMAP_THRESHOLD; its default rises to 32 MiB as
   * large blocks are freed, after which their pages stay resident). 0 = glibc's default.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(32 * 1024 * 1024)
  ZTSDB_MALLOC_MMAP_THRESHOLD = 128 * 1024;

  /**
   * V8's new space of a service: `small` keeps its two semi-spaces at their first size (1 MiB
   * each), `grow` lets V8 double them up to 16 MiB each as objects survive (its default: about
   * 30 MiB more RSS, and a burst's dead buffers wait longer for the scavenge that frees them);
   * `auto` = `small` in the compactor, and elsewhere `small` until the service has started and
   * `grow` after (start-up alone grew it in full; past it an ingestor's batches outlive small
   * semi-spaces and fill the old generation, and the query service's heavier queries cost
   * 5-20 % more CPU).
   */
  @IsIn(['auto', 'small', 'grow'])
  ZTSDB_V8_NEW_SPACE: 'auto' | 'small' | 'grow' = 'auto';

  /** A warning that repeats (a bad message, a full disk, a missing stream) is logged at most once per interval and reason, with a count. */
  @Transform(toDuration)
  @IsInt(DURATION_MESSAGE('ZTSDB_WARN_INTERVAL'))
  @Min(0)
  ZTSDB_WARN_INTERVAL = 60_000;

  // --- Each service's /metrics, /healthz and /readyz (the query service's are on ZTSDB_HTTP_ADDR) ---
  /** Where the collector serves /metrics, /healthz and /readyz (host:port); "off" = not served. */
  @IsString()
  @Matches(/^([^\s:]+:\d{1,5}|off)$/, {
    message: 'ZTSDB_COLLECTOR_HTTP_ADDR must be host:port or off',
  })
  ZTSDB_COLLECTOR_HTTP_ADDR = '127.0.0.1:9281';

  /** Where an ingestor serves /metrics, /healthz and /readyz (host:port); "off" = not served. */
  @IsString()
  @Matches(/^([^\s:]+:\d{1,5}|off)$/, {
    message: 'ZTSDB_INGESTOR_HTTP_ADDR must be host:port or off',
  })
  ZTSDB_INGESTOR_HTTP_ADDR = '127.0.0.1:9282';

  /** Where the compactor serves /metrics, /healthz and /readyz (host:port); "off" = not served. */
  @IsString()
  @Matches(/^([^\s:]+:\d{1,5}|off)$/, {
    message: 'ZTSDB_COMPACTOR_HTTP_ADDR must be host:port or off',
  })
  ZTSDB_COMPACTOR_HTTP_ADDR = '127.0.0.1:9283';

  /** nats-server binary `ztsdb all` starts when no server answers; searched on PATH and in /usr/sbin when unset. */
  @IsOptional()
  @IsString()
  ZTSDB_NATS_SERVER?: string;

  @IsIn(['debug', 'info', 'warn', 'error'])
  ZTSDB_LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' = 'info';

  /** `text` (human lines) or `json` (one object a line: level, time, msg, service, context). */
  @IsIn(['text', 'json'], { message: 'ZTSDB_LOG_FORMAT must be text or json' })
  ZTSDB_LOG_FORMAT: 'text' | 'json' = 'text';

  get httpHost(): string {
    return this.ZTSDB_HTTP_ADDR.slice(0, this.ZTSDB_HTTP_ADDR.lastIndexOf(':'));
  }

  get httpPort(): number {
    return Number(this.ZTSDB_HTTP_ADDR.slice(this.ZTSDB_HTTP_ADDR.lastIndexOf(':') + 1));
  }
}

/** Raised at start when a setting is invalid; lists every bad one. */
export class SettingsError extends InvalidInputError {}

/** A setting's value as an error may show it: secrets hidden, a URL without its password. */
function shown(name: string, value: string | undefined): string {
  if (value === undefined || value === '') return '""';
  if (SECRET_SETTINGS.has(name)) return '(hidden)';
  // NATS_URL may be a list: every URL in it loses its credentials.
  return JSON.stringify(value.replace(/(^|,)(\s*[a-z]+:\/\/)([^@/,]*)@/gi, '$1$2***@'));
}

/** Reads settings from an environment (variables that are absent or empty keep their default). */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const defaults = new Settings();
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as Array<keyof Settings>) {
    const v = env[key];
    plain[key] = v !== undefined && v !== '' ? v : defaults[key];
  }
  for (const optional of ['ZTSDB_CGROUP_ROOT', 'ZTSDB_NATS_SERVER'] as const) {
    if (env[optional]) plain[optional] = env[optional];
  }
  const settings = plainToInstance(Settings, plain);
  const errors = validateSync(settings, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const why = Object.values(e.constraints ?? {}).join('; ');
      return `  ${e.property}=${shown(e.property, env[e.property])}: ${why}`;
    });
    throw new SettingsError(
      CONFIG_ERROR_CODES.badSettings,
      `invalid settings:\n${lines.join('\n')}`,
      {
        settings: errors.map((e) => e.property),
      },
    );
  }
  const security = securityProblems(settings);
  if (security.length > 0) {
    throw new SettingsError(
      CONFIG_ERROR_CODES.badSettings,
      `invalid settings:\n${security.map((l) => `  ${l}`).join('\n')}`,
      { settings: security.map((l) => l.slice(0, l.indexOf(':'))) },
    );
  }
  if (settings.httpPort > 65535) {
    throw new SettingsError(
      CONFIG_ERROR_CODES.badSettings,
      `invalid settings:\n  ZTSDB_HTTP_ADDR: port ${settings.httpPort} is above 65535`,
    );
  }
  return settings;
}
