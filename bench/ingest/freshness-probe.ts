// bench:ingest's freshness probe, run in a worker thread of its own: it publishes one sample of
// a probe series of its own (one per partition, round robin) through JetStream like any
// producer, starts its clock at that publish's acknowledgement, and asks hot.p.<n> for the
// point until it is answered. In a thread of its own, with its own connection, the producers'
// work (building and publishing a million samples a second on the main thread) delays neither
// the acknowledgement's timestamp nor the replies: what it measures is the ingestor's delay.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { hotSubject, samplesSubject } from '@ztsdb/bus';
import { seriesKey } from '@ztsdb/model';
import { decodeHotReply, sampleBatchMsgId } from '@ztsdb/wire';
import { encodeBatch } from './batch-version';

export interface ProbeSetup {
  url: string;
  /** Probe series id per partition. */
  ids: bigint[];
  /** Producer id of the probe's batches (none of the load's producers uses it). */
  producerId: bigint;
  /** Pause between two probes, ms. */
  everyMs: number;
}

/** What the probe sends back when told to stop. */
export interface ProbeResult {
  /** Acknowledgement → answered, ms, one per probe. */
  fresh: number[];
  /** Hot requests asked per probe, on average. */
  polls: number;
  /** Hot requests that got no answer within their 5 s timeout (each adds 5 s to its probe). */
  unanswered: number;
  /** The probe thread's own event-loop delay, ms (what its clock may be late by). */
  ownDelayP99: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(setup: ProbeSetup): Promise<void> {
  const nc = await connect({ servers: setup.url });
  const js = jetstream(nc, { timeout: 30_000 });
  const lag = monitorEventLoopDelay({ resolution: 5 });
  let running = true;
  let measuring = false;
  const fresh: number[] = [];
  let polls = 0;
  let unanswered = 0;
  parentPort!.on('message', (m: string) => {
    if (m === 'measure') {
      measuring = true;
      fresh.length = 0;
      polls = 0;
      unanswered = 0;
      lag.reset();
      lag.enable();
    } else if (m === 'stop') running = false;
  });
  const ts = new Float64Array(1);
  const vs = new Float64Array(1);
  let lastT = 0;
  for (let seq = 1; running; seq++) {
    await sleep(setup.everyMs);
    const partition = seq % setup.ids.length;
    const id = setup.ids[partition]!;
    // Its own clock: one point per probe, each newer than the last.
    lastT = ts[0] = Math.max(lastT + 1, Date.now());
    vs[0] = seq;
    const header = { partition, producerId: setup.producerId, sequence: BigInt(seq) };
    const bytes = encodeBatch(header, BigUint64Array.of(id), ts, vs);
    const ok = await js
      .publish(samplesSubject(partition), bytes, { msgID: sampleBatchMsgId(header) })
      .then(
        () => true,
        () => false,
      );
    if (!ok) continue;
    const at = performance.now();
    const ask = JSON.stringify({ ids: [seriesKey(id)], start: lastT, end: lastT });
    for (let tries = 0; running && tries < 5000; tries++) {
      const r = await nc
        .request(hotSubject(partition), ask, { timeout: 5000 })
        .catch(() => undefined);
      if (measuring) polls++;
      if (measuring && r === undefined) unanswered++;
      if (r && decodeHotReply(r.data).series[0]?.timestamps.length === 1) {
        if (measuring) fresh.push(performance.now() - at);
        break;
      }
      await sleep(1);
    }
  }
  lag.disable();
  const result: ProbeResult = {
    fresh,
    polls: polls / Math.max(1, fresh.length),
    unanswered,
    ownDelayP99: lag.count > 0 ? lag.percentile(99) / 1e6 : NaN,
  };
  parentPort!.postMessage(result);
  await nc.close();
}

void run(workerData as ProbeSetup);
