/** Every name ztsdb uses on the bus, in one place (DESIGN.md, "The bus"). */
export const STREAM_SAMPLES = 'ZTSDB_SAMPLES';
export const STREAM_CHUNKS = 'ZTSDB_CHUNKS';
export const STREAM_MANIFEST = 'ZTSDB_MANIFEST';

export const KV_SERIES = 'ztsdb_series';
export const KV_LEASES = 'ztsdb_leases';
export const KV_CONFIG = 'ztsdb_config';

export const SUBJECT_QUERY = 'ztsdb.query';
export const QUERY_QUEUE_GROUP = 'ztsdb-query';

export const samplesSubject = (partition: number): string => `ztsdb.samples.p.${partition}`;
export const chunksSubject = (partition: number): string => `ztsdb.chunks.p.${partition}`;
export const manifestSubject = (partition: number): string => `ztsdb.manifest.p.${partition}`;
export const hotSubject = (partition: number): string => `ztsdb.hot.p.${partition}`;
/** Where partition n's owner announces the extent of its hot points (docs/format/hot-extent.md). */
export const hotExtentSubject = (partition: number): string => `ztsdb.hot.extent.p.${partition}`;
export const dlqSubject = (kind: string): string => `ztsdb.dlq.${kind}`;

export const SAMPLES_WILDCARD = 'ztsdb.samples.p.*';
export const CHUNKS_WILDCARD = 'ztsdb.chunks.p.*';
export const MANIFEST_WILDCARD = 'ztsdb.manifest.p.*';
export const HOT_EXTENT_WILDCARD = 'ztsdb.hot.extent.p.*';

/** Partition number at the end of a `….p.<n>` subject, or undefined. */
export function partitionOfSubject(subject: string): number | undefined {
  const m = /\.p\.(\d+)$/.exec(subject);
  return m ? Number(m[1]) : undefined;
}

/** Headers ztsdb sets on its own messages. */
export const HEADER_REASON = 'Ztsdb-Reason';
export const HEADER_SUBJECT = 'Ztsdb-Subject';
