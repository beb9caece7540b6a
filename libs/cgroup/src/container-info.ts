import type { ContainerInfo } from '@ztsdb/model';
import type { DetectedContainer } from './container-detector';
import type { ContainerMetadata } from './docker-metadata-client';

/** What the cgroup path alone tells: short id, runtime, pod uid (as `pod` until a name is known), host. */
export function containerInfoOf(c: DetectedContainer, host?: string): ContainerInfo {
  const info: ContainerInfo = { id: c.shortId };
  if (c.runtime) info.runtime = c.runtime;
  if (c.podUid) info.pod = c.podUid;
  if (host) info.host = host;
  return info;
}

/** Whether Docker's API may know the container: docker's own, or a kubepods one of unknown runtime. */
export function wantsDockerMetadata(c: DetectedContainer): boolean {
  if (!/^[0-9a-f]{64}$/.test(c.id)) return false;
  return c.runtime === 'docker' || (c.runtime === undefined && c.podUid !== undefined);
}

/** Fills in name, image, pod and namespace from a runtime's answer (in place: samples share the object). */
export function applyMetadata(info: ContainerInfo, m: ContainerMetadata): ContainerInfo {
  if (m.name) info.name = m.name;
  if (m.image) info.image = m.image;
  if (m.pod) info.pod = m.pod;
  if (m.namespace) info.namespace = m.namespace;
  info.runtime ??= m.runtime ?? 'docker'; // the runtime that answered runs it
  return info;
}
