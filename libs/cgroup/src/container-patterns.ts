import { fnv1a64, type Runtime } from '@ztsdb/model';

/** What a cgroup directory's name says about the container in it. */
export interface ContainerMatch {
  /** Runtime's id: 64 hex for most, any text for `podman-<id>` and `containerd-<id>`. */
  id: string;
  /** undefined for kubepods' bare `<64hex>` directories (cgroupfs driver): docker or containerd. */
  runtime?: Runtime;
}

const HEX64 = '([0-9a-f]{64})';
const FULL_HEX = /^[0-9a-f]{64}$/;

/** Name patterns, tried in order; anchored so `crio-conmon-…` and `libpod-conmon-…` never match. */
const NAME_PATTERNS: ReadonlyArray<[RegExp, Runtime]> = [
  [new RegExp(`^docker-${HEX64}\\.scope$`), 'docker'],
  [new RegExp(`^libpod-${HEX64}(?:\\.scope)?$`), 'podman'],
  [/^podman-([A-Za-z0-9_.-]+)\.scope$/, 'podman'],
  [new RegExp(`^cri-containerd-${HEX64}\\.scope$`), 'containerd'],
  [new RegExp(`^nerdctl-${HEX64}\\.scope$`), 'containerd'],
  [/^containerd-([A-Za-z0-9_.-]+)\.scope$/, 'containerd'],
  [new RegExp(`^crio-${HEX64}(?:\\.scope)?$`), 'cri-o'],
];

/**
 * Recognises a container's cgroup directory from its name and its ancestors' names
 * (`ancestors` = the path segments above it, outermost first).
 */
export function matchContainerDir(
  name: string,
  ancestors: readonly string[],
): ContainerMatch | undefined {
  if (name.startsWith('podman-pause-')) return undefined; // rootless podman's pause process, not a container
  for (const [re, runtime] of NAME_PATTERNS) {
    const m = re.exec(name);
    if (m) return { id: m[1]!, runtime };
  }
  if (FULL_HEX.test(name)) {
    const parent = ancestors[ancestors.length - 1];
    if (parent === 'docker') return { id: name, runtime: 'docker' };
    if (ancestors.some((a) => a === 'kubepods' || a.startsWith('kubepods'))) return { id: name };
  }
  return undefined;
}

const POD_CGROUPFS = /^pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const POD_SYSTEMD =
  /^kubepods(?:-[a-z]+)*-pod([0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12})\.slice$/;

/**
 * Pod uid from a kubepods path: `pod<uid>` (cgroupfs driver) or
 * `kubepods-<qos>-pod<uid with _>.slice` (systemd driver; `_` turned back into `-`).
 */
export function podUidOf(segments: readonly string[]): string | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i]!;
    const a = POD_CGROUPFS.exec(s);
    if (a) return a[1]!;
    const b = POD_SYSTEMD.exec(s);
    if (b) return b[1]!.replace(/_/g, '-');
  }
  return undefined;
}

/**
 * The 12-hex short id used in series names. Hex ids of 12 or more digits give their
 * first 12 (as `docker ps`). Other ids (`podman-<pid>.scope`, `containerd-<name>.scope`)
 * give the first 12 hex digits of FNV-1a 64 of the id's UTF-8 bytes: the same id always
 * gives the same short id, on every host.
 */
export function shortIdOf(id: string): string {
  const lower = id.toLowerCase();
  if (/^[0-9a-f]{12,}$/.test(lower)) return lower.slice(0, 12);
  return fnv1a64(id).toString(16).padStart(16, '0').slice(0, 12);
}
