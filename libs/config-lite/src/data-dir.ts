// The data dir's paths live here, not in libs/config, so that the services that name files
// by them do not load class-validator with the settings class (about 14 MiB of RSS each).
/**
 * Every path under `ZTSDB_DATA_DIR` (DESIGN.md "Data dir layout"), relative to
 * it. Services join these to their own data dir; the manifest names tier
 * files by them, so they are part of the wire contract and never change.
 *
 *   wal/p<n>/              an ingestor's LMDB WAL of partition n
 *   warm/p<n>/             warm segment files the compactor writes
 *   cold/p<n>/             cold columnar files the compactor writes
 *   cache/                 tier files fetched from the object store (bounded, least recently used out)
 *   registry/series.snap   the compactor's copy of KV ztsdb_series
 *   nats/                  the store of a nats-server that `ztsdb all` started
 */
export type Tier = 'warm' | 'cold';

/** Folder of a partition's LMDB WAL. */
export const walDirOf = (partition: number): string => `wal/p${partition}`;

/** Folder of a partition's files of one tier (`warm/p0`, `cold/p3`). */
export const tierDirOf = (tier: Tier, partition: number): string => `${tier}/p${partition}`;

export const warmDirOf = (partition: number): string => tierDirOf('warm', partition);
export const coldDirOf = (partition: number): string => tierDirOf('cold', partition);

/** A service's copies of tier files fetched from the object store, under their manifest paths. */
export const CACHE_DIR = 'cache';

/** The compactor's snapshot of the series registry. */
export const REGISTRY_SNAPSHOT_FILE = 'registry/series.snap';

/** The store of the nats-server that `ztsdb all` starts when none answers. */
export const NATS_STORE_DIR = 'nats';
