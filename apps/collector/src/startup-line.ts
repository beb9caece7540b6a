/** What the collector's start-up line says; one field per fact, so others can be added. */
export interface CollectorStartup {
  source: string;
  intervalMs: number;
  partitions: number;
  producerId: bigint;
  /** Containers the first collection found. */
  containers: number;
  /**
   * Where container names and images come from (a runtime socket, the CRI API),
   * once the collector looks them up; undefined leaves it out of the line.
   */
  metadata?: string;
}

/**
 * The collector's one start-up line: the source chosen, the containers it found
 * (with a hint when none: an empty /series otherwise says nothing), and the
 * metadata source when there is one.
 */
export function collectorStartupLine(s: CollectorStartup): string {
  const found =
    s.containers === 0
      ? 'found no containers (none running, or not under ZTSDB_CGROUP_ROOT)'
      : `found ${s.containers} container${s.containers === 1 ? '' : 's'}`;
  const parts = [
    `collecting from the ${s.source} source every ${s.intervalMs} ms into ${s.partitions} partitions (producer ${s.producerId.toString(16)})`,
    found,
  ];
  if (s.metadata !== undefined) parts.push(`metadata from ${s.metadata}`);
  return parts.join('; ');
}
