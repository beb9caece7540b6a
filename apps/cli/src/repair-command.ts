import * as path from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DEFAULT_TOPOLOGY,
  ensureTopology,
  KV_SERIES,
  restoreMissingSeries,
  type RetryPolicy,
} from '@ztsdb/bus';
import { REGISTRY_SNAPSHOT_FILE } from '@ztsdb/config-lite';
import { readRegistrySnapshot } from '@ztsdb/registry';

/**
 * `ztsdb repair`: puts back into KV `ztsdb_series` (re-created when it was
 * deleted) every entry of the compactor's registry snapshot whose key is
 * missing; entries present are left as they are. Run it where the
 * compactor's ZTSDB_DATA_DIR is. Returns a line for the operator.
 */
export async function repairRegistry(
  nc: NatsConnection,
  dataDir: string,
  retry: RetryPolicy,
  replicas = 1,
): Promise<string> {
  const file = path.join(dataDir, REGISTRY_SNAPSHOT_FILE);
  const entries = readRegistrySnapshot(dataDir);
  if (!entries)
    throw new Error(
      `no registry snapshot at ${file}: run "ztsdb repair" with the compactor's ZTSDB_DATA_DIR`,
    );
  const topo = await ensureTopology(nc, { ...DEFAULT_TOPOLOGY, replicas }, retry);
  const restored = await restoreMissingSeries(topo.series, entries, retry);
  return `restored ${restored} of ${entries.length} series entries into KV ${KV_SERIES} from ${file}`;
}
