import type { KV } from '@nats-io/kv';
import { checkPartitionCount } from '@ztsdb/model';
import { DEFAULT_RETRY_DEADLINE_MS, withRetry, type RetryPolicy } from './retry';

const KEY = 'partitions';

/**
 * The deployment's partition count, fixed once in KV `ztsdb_config`: the first
 * service to start records `wanted`; later ones use what is recorded. A
 * transient failure (timeout) is retried under `retry`.
 */
export async function resolvePartitions(
  config: KV,
  wanted: number,
  log?: (msg: string) => void,
  retry: RetryPolicy = { deadlineMs: DEFAULT_RETRY_DEADLINE_MS, log },
): Promise<number> {
  checkPartitionCount(wanted);
  const read = (): ReturnType<KV['get']> =>
    withRetry(`reading ${KEY} from KV ztsdb_config`, () => config.get(KEY), retry);
  const existing = await read();
  if (!existing || existing.operation !== 'PUT') {
    try {
      // A create retried after a lost answer meets its own key: the read below settles it.
      await withRetry(
        `recording ${KEY} in KV ztsdb_config`,
        () => config.create(KEY, String(wanted)),
        retry,
      );
      return wanted;
    } catch {
      // lost a race with another service; read what it wrote
    }
  }
  const stored = Number((await read())?.string());
  checkPartitionCount(stored);
  if (stored !== wanted) {
    log?.(
      `this deployment has ${stored} partitions (KV ${'ztsdb_config'}); ignoring ZTSDB_PARTITIONS=${wanted}`,
    );
  }
  return stored;
}
