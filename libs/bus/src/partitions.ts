import type { KV } from '@nats-io/kv';
import { checkPartitionCount } from '@ztsdb/model';

const KEY = 'partitions';

/**
 * The deployment's partition count, fixed once in KV `ztsdb_config`: the first
 * service to start records `wanted`; later ones use what is recorded.
 */
export async function resolvePartitions(
  config: KV,
  wanted: number,
  log?: (msg: string) => void,
): Promise<number> {
  checkPartitionCount(wanted);
  const existing = await config.get(KEY);
  if (!existing || existing.operation !== 'PUT') {
    try {
      await config.create(KEY, String(wanted));
      return wanted;
    } catch {
      // lost a race with another service; read what it wrote
    }
  }
  const stored = Number((await config.get(KEY))?.string());
  checkPartitionCount(stored);
  if (stored !== wanted) {
    log?.(
      `this deployment has ${stored} partitions (KV ${'ztsdb_config'}); ignoring ZTSDB_PARTITIONS=${wanted}`,
    );
  }
  return stored;
}
