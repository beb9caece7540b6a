import {
  CHUNKS_WILDCARD,
  HOT_EXTENT_WILDCARD,
  KV_CONFIG,
  KV_LEASES,
  KV_SERIES,
  MANIFEST_WILDCARD,
  SAMPLES_WILDCARD,
  STREAM_CHUNKS,
  STREAM_MANIFEST,
  STREAM_SAMPLES,
  SUBJECT_QUERY,
} from './subjects';

/** The users of a least-privilege deployment: one per service, one for clients, one for `ztsdb all`. */
export const NATS_ROLES = ['collector', 'ingestor', 'compactor', 'query', 'client'] as const;
export type NatsRole = (typeof NATS_ROLES)[number];

/** What one user may do: subjects it may publish to and subscribe to, and whether it answers requests. */
export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** May publish to the reply subject of a request it received (answering ztsdb.query or ztsdb.hot.p.<n>). */
  answers: boolean;
}

/** Each user reads replies only under its own prefix, so no user can read another's answers. */
export const inboxPrefixFor = (user: string): string => `_INBOX_${user.replace(/[^\w-]/g, '_')}`;

const API = '$JS.API';
const kvStream = (bucket: string): string => `KV_${bucket}`;
const kvSubjects = (bucket: string): string => `$KV.${bucket}.>`;

/** Stream and bucket set-up every service does at start (ensureTopology, resolvePartitions). */
function startUp(): string[] {
  const streams = [
    STREAM_SAMPLES,
    STREAM_CHUNKS,
    STREAM_MANIFEST,
    ...[KV_SERIES, KV_LEASES, KV_CONFIG].map(kvStream),
  ];
  return [
    `${API}.INFO`,
    ...streams.flatMap((s) => [`${API}.STREAM.INFO.${s}`, `${API}.STREAM.CREATE.${s}`]),
    // Reading the partition count, and recording it when this service is the first to start.
    `${API}.DIRECT.GET.${kvStream(KV_CONFIG)}.>`,
    `${API}.STREAM.MSG.GET.${kvStream(KV_CONFIG)}`,
    `$KV.${KV_CONFIG}.partitions`,
  ];
}

/** A pull consumer (durable or ordered) on `stream`: create, look up, fetch, delete. */
function consumerOf(stream: string, acks: boolean): string[] {
  const out = [
    `${API}.CONSUMER.CREATE.${stream}.>`,
    `${API}.CONSUMER.CREATE.${stream}`,
    `${API}.CONSUMER.DURABLE.CREATE.${stream}.*`,
    `${API}.CONSUMER.INFO.${stream}.*`,
    `${API}.CONSUMER.DELETE.${stream}.*`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.*`,
  ];
  if (acks) out.push(`$JS.ACK.${stream}.>`);
  return out;
}

/** Reading a KV bucket: get, watch and list keys (push consumers with flow control). */
function kvReader(bucket: string): string[] {
  const s = kvStream(bucket);
  return [
    `${API}.DIRECT.GET.${s}.>`,
    `${API}.STREAM.MSG.GET.${s}`,
    `${API}.STREAM.INFO.${s}`,
    `${API}.CONSUMER.CREATE.${s}.>`,
    `${API}.CONSUMER.CREATE.${s}`,
    `${API}.CONSUMER.INFO.${s}.*`,
    `${API}.CONSUMER.DELETE.${s}.*`,
    `$JS.FC.${s}.>`,
  ];
}

const DLQ = 'ztsdb.dlq.>';

/** The object store bucket of tier files (libs/tierstore): stream `OBJ_ztsdb_tiers`. */
const TIERS_BUCKET = 'ztsdb_tiers';
const tiersStream = `OBJ_${TIERS_BUCKET}`;

/** Opening the tier bucket and fetching objects (ordered consumers on its chunk subjects). */
function tiersReader(): string[] {
  return [
    `${API}.STREAM.INFO.${tiersStream}`,
    `${API}.STREAM.CREATE.${tiersStream}`,
    `${API}.STREAM.MSG.GET.${tiersStream}`,
    `${API}.DIRECT.GET.${tiersStream}.>`,
    ...consumerOf(tiersStream, false),
    `$JS.FC.${tiersStream}.>`,
  ];
}

/** Putting files into the tier bucket and deleting them. */
function tiersWriter(): string[] {
  return [...tiersReader(), `${API}.STREAM.PURGE.${tiersStream}`, `$O.${TIERS_BUCKET}.>`];
}

/**
 * The narrowest permissions each role needs, worked out from what its code
 * does on the bus (DESIGN.md "Security"):
 * - collector: publish samples, write the series registry; nothing else;
 * - ingestor: consume samples, publish chunks, hold leases, write checkpoints,
 *   follow the manifest; the only one that may answer `ztsdb.hot.p.<n>` and
 *   announce `ztsdb.hot.extent.p.<n>`;
 * - compactor: consume chunks; the only one that may publish manifest events;
 *   it follows the series registry and restores lost entries (`ztsdb repair`
 *   runs with its credentials, beside its data dir);
 * - query: read the registry and manifest, ask for hot data; the only one that
 *   may answer `ztsdb.query`; its receivers (remote_write, OTLP) publish samples
 *   and register series like the collector;
 * - client (the `ztsdb` commands): ask `ztsdb.query`, import samples.
 * Every user subscribes only to its own inbox prefix, and no one may touch
 * stream or consumer administration beyond its own consumers.
 */
export function permissionsFor(role: NatsRole, inboxPrefix: string): NatsPermissions {
  const inbox = `${inboxPrefix}.>`;
  const common = startUp();
  switch (role) {
    case 'collector':
      return {
        publish: [...common, SAMPLES_WILDCARD, kvSubjects(KV_SERIES)],
        subscribe: [inbox],
        answers: false,
      };
    case 'ingestor':
      return {
        publish: [
          ...common,
          ...consumerOf(STREAM_SAMPLES, true),
          ...consumerOf(STREAM_MANIFEST, false),
          ...kvReader(KV_LEASES),
          kvSubjects(KV_LEASES),
          ...kvReader(KV_CONFIG),
          `$KV.${KV_CONFIG}.checkpoint.>`,
          CHUNKS_WILDCARD,
          // The extent of its hot points (docs/format/hot-extent.md): queries trust it to skip asking.
          HOT_EXTENT_WILDCARD,
          DLQ,
        ],
        subscribe: [inbox, 'ztsdb.hot.p.*'],
        answers: true,
      };
    case 'compactor':
      return {
        publish: [
          ...common,
          ...consumerOf(STREAM_CHUNKS, true),
          ...consumerOf(STREAM_MANIFEST, false),
          MANIFEST_WILDCARD,
          // Compactor replicas share the partitions by leases (keys compactor.*).
          ...kvReader(KV_LEASES),
          `$KV.${KV_LEASES}.compactor.>`,
          // Catalog snapshots make older manifest events redundant: purged by subject and sequence.
          `${API}.STREAM.PURGE.${STREAM_MANIFEST}`,
          ...tiersWriter(),
          // The registry snapshot: it follows KV ztsdb_series and puts back entries the bucket lost.
          ...kvReader(KV_SERIES),
          kvSubjects(KV_SERIES),
          DLQ,
        ],
        subscribe: [inbox],
        answers: false,
      };
    case 'query':
      return {
        publish: [
          ...common,
          ...kvReader(KV_SERIES),
          ...consumerOf(STREAM_MANIFEST, false),
          ...tiersReader(),
          'ztsdb.hot.p.*',
          // GET /status/cluster: leases, and the ingestor and compactor consumers' backlog.
          ...kvReader(KV_LEASES),
          `${API}.CONSUMER.INFO.${STREAM_SAMPLES}.*`,
          `${API}.CONSUMER.INFO.${STREAM_CHUNKS}.*`,
          // The receivers (remote_write, OTLP) publish samples and register series.
          SAMPLES_WILDCARD,
          kvSubjects(KV_SERIES),
        ],
        subscribe: [inbox, SUBJECT_QUERY, DLQ, HOT_EXTENT_WILDCARD],
        answers: true,
      };
    case 'client':
      return {
        publish: [
          ...common,
          SUBJECT_QUERY,
          SAMPLES_WILDCARD,
          `${API}.DIRECT.GET.${kvStream(KV_SERIES)}.>`,
          `${API}.STREAM.MSG.GET.${kvStream(KV_SERIES)}`,
          kvSubjects(KV_SERIES),
        ],
        subscribe: [inbox],
        answers: false,
      };
  }
}

/** Every role's permissions together, for `ztsdb all` (all four services in one process). */
export function unionOf(roles: readonly NatsRole[], inboxPrefix: string): NatsPermissions {
  const pub = new Set<string>();
  const sub = new Set<string>();
  let answers = false;
  for (const r of roles) {
    const p = permissionsFor(r, inboxPrefix);
    p.publish.forEach((s) => pub.add(s));
    p.subscribe.forEach((s) => sub.add(s));
    answers ||= p.answers;
  }
  return { publish: [...pub], subscribe: [...sub], answers };
}
