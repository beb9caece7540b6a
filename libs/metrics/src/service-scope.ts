/**
 * Which families each service's endpoint shows, by name prefix (under `ztsdb all` the four
 * services share one process and one registry; each address shows its own). The query
 * service's address shows the whole process, as it always has.
 */
export const SERVICE_PREFIXES = {
  collector: ['ztsdb_collector_'],
  ingestor: ['ztsdb_ingestor_'],
  compactor: ['ztsdb_compactor_', 'ztsdb_manifest_'],
  query: ['ztsdb_'],
} as const satisfies Record<string, readonly string[]>;

export type ServiceName = keyof typeof SERVICE_PREFIXES;
