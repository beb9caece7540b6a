import type { Settings } from '@ztsdb/config';
import {
  CgroupfsSource,
  resolveCgroupLayout,
  RuntimeMetadata,
  type CgroupLayout,
} from '@ztsdb/cgroup';
import { isCgroup2Dir, probeEbpf, type EbpfProbe } from '@ztsdb/ebpf';
import { EbpfSource } from '@ztsdb/ebpf-source';
import { ZtsdbError } from '@ztsdb/errors';
import type { MetricSource } from '@ztsdb/model';
import { SyntheticSource } from '@ztsdb/synthetic';
import { sourceErrorLogger, type SourceLog } from './source-error-logger';

/** What the factory asks of the host; tests replace it. */
export interface SourceProbes {
  ebpf(): EbpfProbe;
  /** Throws (CgroupRootError) when there is no cgroup hierarchy to read. */
  layout(root: string | undefined): CgroupLayout;
}

const HOST_PROBES: SourceProbes = {
  ebpf: () => probeEbpf(),
  layout: (root) => resolveCgroupLayout(root !== undefined ? { root } : {}),
};

/** ZTSDB_SOURCE names a source this host cannot run. */
export class SourceUnavailableError extends ZtsdbError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('ZTSDB_SOURCE_UNAVAILABLE', message, context);
  }
}

/** The runtime APIs present on this host, said once in the log (the collector's metadata source). */
function runtimeMetadata(settings: Settings, log: SourceLog): RuntimeMetadata {
  const metadata = RuntimeMetadata.detect({
    dockerSocket: settings.ZTSDB_DOCKER_SOCKET,
    dockerHost: settings.DOCKER_HOST,
  });
  log.log(metadata.describe());
  return metadata;
}

function kernelOptions(settings: Settings, log: SourceLog) {
  return {
    metadata: runtimeMetadata(settings, log),
    root: settings.ZTSDB_CGROUP_ROOT,
    discoveryIntervalMs: settings.ZTSDB_DISCOVERY_INTERVAL_MS,
    host: settings.ZTSDB_HOST,
    onError: sourceErrorLogger(log),
  };
}

/** Why the eBPF source cannot watch `layout` (cgroup ids are v2 inodes), or undefined when it can. */
function notV2(layout: CgroupLayout): string | undefined {
  if (!layout.v2) return `${layout.root} is a cgroup v1 hierarchy`;
  if (!isCgroup2Dir(layout.root)) return `${layout.root} is not a cgroup2 directory`;
  return undefined;
}

function tryLayout(
  probes: SourceProbes,
  root: string | undefined,
): { layout?: CgroupLayout; why?: string } {
  try {
    return { layout: probes.layout(root) };
  } catch (err) {
    return { why: (err as Error).message };
  }
}

/**
 * Picks the metric source from ZTSDB_SOURCE (no Nest here: unit-testable; the service
 * calls createMetricSource):
 * - `auto`: eBPF when probeEbpf() says it can run, else cgroupfs (the reason logged once),
 *   else, with no cgroup hierarchy to read at all, the synthetic source (logged);
 * - `ebpf`, `cgroupfs`: that source, or a SourceUnavailableError saying why not;
 * - `synthetic`: generated containers, for demos and benchmarks.
 * ZTSDB_CGROUP_ROOT, ZTSDB_DISCOVERY_INTERVAL_MS and ZTSDB_HOST go to the kernel sources.
 */
export async function selectMetricSource(
  settings: Settings,
  log: SourceLog,
  probes: SourceProbes = HOST_PROBES,
): Promise<MetricSource> {
  const root = settings.ZTSDB_CGROUP_ROOT;
  const synthetic = () =>
    new SyntheticSource(
      settings.ZTSDB_SYNTHETIC_CONTAINERS,
      1,
      settings.ZTSDB_HOST,
      settings.ZTSDB_SYNTHETIC_LIFETIME,
    );
  switch (settings.ZTSDB_SOURCE) {
    case 'synthetic':
      return synthetic();
    case 'ebpf': {
      const probe = probes.ebpf();
      if (!probe.available)
        throw new SourceUnavailableError(
          `ZTSDB_SOURCE=ebpf, but eBPF is not available: ${probe.reason}. Use ZTSDB_SOURCE=auto or cgroupfs`,
          { problem: probe.problem },
        );
      const { layout, why } = tryLayout(probes, root);
      const problem = layout ? notV2(layout) : why;
      if (!layout || problem)
        throw new SourceUnavailableError(
          `ZTSDB_SOURCE=ebpf, but there is no cgroup v2 hierarchy to watch: ${problem}`,
          { file: root },
        );
      return new EbpfSource({ ...kernelOptions(settings, log), layout });
    }
    case 'cgroupfs': {
      const { layout, why } = tryLayout(probes, root);
      if (!layout)
        throw new SourceUnavailableError(
          `ZTSDB_SOURCE=cgroupfs, but there is no cgroup hierarchy to read: ${why}`,
          { file: root },
        );
      return new CgroupfsSource({ ...kernelOptions(settings, log), layout });
    }
    case 'auto': {
      const probe = probes.ebpf();
      const { layout, why } = tryLayout(probes, root);
      const problem = layout ? notV2(layout) : why;
      if (probe.available && layout && !problem) {
        log.log(`eBPF available (libbpf ${probe.libbpfVersion}); using the eBPF source`);
        return new EbpfSource({ ...kernelOptions(settings, log), layout });
      }
      if (layout) {
        log.warn(`eBPF not available: ${probe.reason ?? problem}; using cgroupfs`);
        return new CgroupfsSource({ ...kernelOptions(settings, log), layout });
      }
      log.warn(
        `no cgroup hierarchy to read (${why}); eBPF not available either (${probe.reason ?? problem}); using the synthetic source`,
      );
      return synthetic();
    }
  }
}
