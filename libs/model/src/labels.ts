import { promName } from './metrics';

export type Runtime = 'docker' | 'podman' | 'containerd' | 'cri-o';

/** What a container is known as, beyond its id. Everything but the id is optional. */
export interface ContainerInfo {
  id: string; // short id, 12 hex
  name?: string;
  image?: string;
  runtime?: Runtime;
  pod?: string;
  namespace?: string;
  host?: string;
}

export type Labels = Record<string, string>;

export function seriesLabels(metric: string, c: ContainerInfo): Labels {
  const labels: Labels = { __name__: promName(metric), container_id: c.id };
  if (c.name) labels.container_name = c.name;
  if (c.image) labels.image = c.image;
  if (c.runtime) labels.runtime = c.runtime;
  if (c.pod) labels.pod = c.pod;
  if (c.namespace) labels.namespace = c.namespace;
  if (c.host) labels.host = c.host;
  return labels;
}

/** A registry entry in KV `ztsdb_series` (stored as docs/format/series-entry.md says: series-entry-codec.ts). */
export interface SeriesEntry {
  id: string; // 16 hex
  name: string;
  labels: Labels;
  /** false once the container is gone. */
  active: boolean;
  updatedMs: number;
}
