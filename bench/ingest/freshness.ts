// Starts bench:ingest's freshness probe (freshness-probe.ts) in a worker thread of its own.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { partitionOf, seriesId } from '@ztsdb/model';
import type { ProbeResult, ProbeSetup } from './freshness-probe';

export type { ProbeResult } from './freshness-probe';

/** One series per partition for the probe, apart from the hosts' series. */
function probeIds(partitions: number): bigint[] {
  const ids: bigint[] = [];
  for (let k = 0; ids.length < partitions; k++) {
    const id = seriesId(`bench.freshness.probe${k}`);
    if (partitionOf(id, partitions) === ids.length) ids.push(id);
  }
  return ids;
}

/**
 * The probe thread, probing every 100 ms from its start: `measure()` starts the figures over
 * (the window), `stop()` ends it and resolves with them (a probe that failed rejects).
 */
export function startFreshnessProbe(
  url: string,
  partitions: number,
  producerId: bigint,
): { measure(): void; stop(): Promise<ProbeResult> } {
  const setup: ProbeSetup = { url, ids: probeIds(partitions), producerId, everyMs: 100 };
  const worker = new Worker(path.join(__dirname, 'freshness-probe.js'), { workerData: setup });
  const done = new Promise<ProbeResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  done.catch(() => undefined); // awaited by stop(); a failure then ends the benchmark
  return {
    measure: () => worker.postMessage('measure'),
    stop: async () => {
      worker.postMessage('stop');
      try {
        return await done;
      } finally {
        await worker.terminate();
      }
    },
  };
}
