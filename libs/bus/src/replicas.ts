import type { JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_SERIES } from './subjects';
import { withRetry, type RetryPolicy } from './retry';

export type { JetStreamManager };

/** The stream behind KV bucket `bucket` (JetStream's naming). */
export const kvStreamName = (bucket: string): string => `KV_${bucket}`;

/** The stream behind object store bucket `bucket` (JetStream's naming). */
export const objectStoreStreamName = (bucket: string): string => `OBJ_${bucket}`;

/**
 * Replicas for every stream, KV bucket and object store bucket a service
 * creates: the one place that reads ZTSDB_REPLICAS, so all of them agree.
 */
export function replicaCount(settings: { ZTSDB_REPLICAS?: number }): number {
  const r = settings.ZTSDB_REPLICAS ?? 1;
  return Number.isInteger(r) && r >= 1 ? r : 1;
}

/**
 * True when JetStream cannot place a stream's replicas yet: a cluster that has
 * just started (its leader has not heard from every server) says so for a few
 * seconds; one with too few servers says so until the retry deadline, and then
 * `replicasError` explains it.
 */
export function noPeersForPlacement(e: unknown): boolean {
  for (let err = e, depth = 0; err instanceof Error && depth < 5; depth++) {
    if (/no suitable peers|insufficient resources/i.test(err.message)) return true;
    err = err.cause;
  }
  return false;
}

/**
 * The error to raise when JetStream refuses to create `name` with `replicas`
 * replicas: a single server, or a cluster with fewer servers than replicas,
 * gets a message that says what to change. Other errors pass unchanged.
 */
export function replicasError(e: unknown, name: string, replicas: number): unknown {
  const why = String((e as Error)?.message ?? e);
  if (
    replicas <= 1 ||
    !/replicas|non-clustered|insufficient resources|no suitable peers/i.test(why)
  )
    return e;
  return new Error(
    `cannot create ${name} with ZTSDB_REPLICAS=${replicas}: ${why}; ` +
      `each replica needs its own nats-server in one JetStream cluster ` +
      `(run at least ${replicas} clustered servers, or set ZTSDB_REPLICAS=1)`,
    { cause: e },
  );
}

/**
 * Brings an existing stream (or the stream of a KV or object store bucket) to
 * `wanted` replicas, saying in the log what differed and what came of it.
 * nats-server 2.9 changes a stream's replica count in place; when it refuses
 * (a single server, too few peers) the stream keeps working with the replicas
 * it has, and the log line says how to change it by hand. Never throws for
 * the difference itself: a running deployment is not stopped over it.
 */
export async function reconcileReplicas(
  jsm: JetStreamManager,
  stream: string,
  wanted: number,
  log: ((msg: string) => void) | undefined,
  retry: RetryPolicy,
): Promise<void> {
  const info = await withRetry(`stream info ${stream}`, () => jsm.streams.info(stream), retry);
  const has = info.config.num_replicas || 1;
  if (has === wanted) return;
  const say = log ?? (() => undefined);
  const keeps = (why: string) =>
    say(
      `stream ${stream} has ${has} replica${has === 1 ? '' : 's'} but ZTSDB_REPLICAS is ${wanted}, ` +
        `and the server would not change it (${why}); it keeps ${has}. ` +
        `Change it with "nats stream edit ${stream} --replicas ${wanted}" once the cluster has ${wanted} servers`,
    );
  // A lone server takes the new count into the stream's configuration yet keeps one copy: not asked.
  if (!info.cluster && wanted > 1) return keeps('the server is not part of a JetStream cluster');
  try {
    await withRetry(
      `changing the replicas of stream ${stream}`,
      // The client merges this into the stream's current configuration.
      () => jsm.streams.update(stream, { num_replicas: wanted }),
      retry,
    );
    say(
      `stream ${stream} had ${has} replica${has === 1 ? '' : 's'}, ZTSDB_REPLICAS is ${wanted}: changed to ${wanted}`,
    );
  } catch (e) {
    keeps((e as Error).message);
  }
}

/**
 * Opens KV `ztsdb_series`, creating it again (with `replicas` replicas) when it
 * was deleted: what every writer of the registry does when the bucket is gone.
 */
export function openSeriesBucket(nc: NatsConnection, replicas: number): Promise<KV> {
  return new Kvm(nc).create(KV_SERIES, { history: 1, replicas });
}
