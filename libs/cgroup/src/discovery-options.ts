import * as os from 'node:os';
import type { ZtsdbError } from '@ztsdb/errors';
import { resolveCgroupLayout, type CgroupLayout } from './cgroup-layout';
import type { ContainerTrackerOptions } from './container-tracker';
import { DockerMetadataClient } from './docker-metadata-client';
import type { MetadataLookup } from './runtime-metadata';

/** How a kernel metric source finds and describes containers; the cgroupfs and eBPF sources share it. */
export interface DiscoveryOptions {
  /** ZTSDB_CGROUP_ROOT when set; otherwise found from /proc/self/mountinfo. */
  root?: string;
  /** A layout made by the caller; wins over `root`. */
  layout?: CgroupLayout;
  /** Full rescan of the tree (default 5000 ms); inotify makes discovery prompt in between. */
  discoveryIntervalMs?: number;
  /** Watch the tree with inotify (default true). Without it every collect rescans. */
  watch?: boolean;
  maxWatches?: number;
  /** Docker Engine API socket (default `/var/run/docker.sock`); null: no metadata. */
  dockerSocketPath?: string | null;
  /** Metadata sources of the caller's (wins over dockerSocketPath), e.g. RuntimeMetadata.detect(). */
  metadata?: MetadataLookup | DockerMetadataClient;
  /** `host` label (default os.hostname()). */
  host?: string;
  /** Problems that cost a sample or a container but not the tick: bad files, failed scans. */
  onError?: (err: ZtsdbError) => void;
}

/** The hierarchy to watch: the caller's layout, or the one found at `root` (or from mountinfo). */
export function discoveryLayout(opts: DiscoveryOptions): CgroupLayout {
  return opts.layout ?? resolveCgroupLayout(opts.root !== undefined ? { root: opts.root } : {});
}

/** ContainerTracker options for a source's discovery settings. */
export function trackerOptions(
  opts: DiscoveryOptions,
  layout: CgroupLayout,
  clock: () => number,
): ContainerTrackerOptions {
  const metadata =
    opts.metadata ??
    (opts.dockerSocketPath === null
      ? undefined
      : new DockerMetadataClient({ socketPath: opts.dockerSocketPath ?? '/var/run/docker.sock' }));
  return {
    layout,
    discoveryIntervalMs: opts.discoveryIntervalMs,
    watch: opts.watch,
    maxWatches: opts.maxWatches,
    metadata,
    host: opts.host ?? os.hostname(),
    onError: opts.onError,
    clock,
  };
}
