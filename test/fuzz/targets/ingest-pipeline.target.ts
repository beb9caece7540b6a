import { decodeSampleBatch, encodeSampleBatch, type ManifestChunkRef } from '@ztsdb/wire';
import { checkBatch } from '../../../apps/ingestor/src/batch-check';
import { HotState } from '@ztsdb/tsdb';
import { FuzzInput } from '../fuzz-input';
import { FuzzViolation, check, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

const PARTITIONS = 1;
const LIMITS = { partitions: PARTITIONS, minTimestampMs: 0, maxFutureMs: 365 * 86_400_000 };
const NOW = 1_800_000_000_000;
const MAX_CHUNK_AGE_MS = 3_600_000;

/**
 * What an ingestor does with a message on `ztsdb.samples.p.<n>`: decode,
 * check (refused → DLQ) and apply to the partition's hot state, then seal,
 * hand chunks on, drop them once a manifest event names them, and answer
 * reads. The state lives across inputs, as in a running ingestor. Nothing
 * after the check may throw: drainSome and the hot-reply server do not
 * expect it, so a throw there would end the service.
 */
let state = new HotState(0, MAX_CHUNK_AGE_MS);
let seq = 0;

function pipeline(what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    const e = err as Error;
    throw new FuzzViolation(`${what} threw ${e?.name}: ${e?.message}`, { cause: err });
  }
}

function feed(msg: Uint8Array): void {
  let batch;
  try {
    batch = decodeSampleBatch(msg);
  } catch {
    return; // the ingestor sends it to the DLQ with the error's reason
  }
  if (checkBatch(batch, 0, LIMITS, NOW)) return;
  const b = batch;
  pipeline('HotState.apply', () =>
    state.apply(++seq, b.seriesIds, b.timestamps, b.values, b.count, b.producerId),
  );
}

export const ingestPipelineTarget: FuzzTarget = {
  name: 'ingest-pipeline',
  description: 'apps/ingestor decode → checkBatch → HotState (apply, seal, markWarm, read)',
  run(data) {
    if (seq > 300) {
      state = new HotState(0, MAX_CHUNK_AGE_MS);
      seq = 0;
    }
    feed(data);
    feed(withCrcLE(data, data.length - 4, 0));
    // A well-formed batch steered by the same bytes reaches apply every time.
    const inp = new FuzzInput(data);
    const n = inp.int(20);
    const ids = Array.from({ length: n }, () => BigInt(inp.int(5)));
    const ts = inp.timestamps(n).map((t) => (inp.u8() < 32 ? t - inp.int(10_000_000) : t));
    const vs = ts.map(() => inp.value());
    feed(
      encodeSampleBatch(
        { partition: 0, producerId: BigInt(inp.int(2)), sequence: 1n },
        ids,
        ts,
        vs,
      ),
    );
    const now = NOW - inp.int(MAX_CHUNK_AGE_MS * 2);
    pipeline('HotState.sealByAge', () => state.sealByAge(now));
    const taken = state.takeUnpublished(1 + inp.int(3));
    const refs: ManifestChunkRef[] = taken.map((c) => ({
      id: c.seriesId.toString(16).padStart(16, '0'),
      minT: c.minT,
      maxT: c.maxT,
      count: c.count,
    }));
    refs.push({ id: inp.string(18), minT: inp.u32(), maxT: inp.u32(), count: inp.u16() });
    if (inp.u8() & 1) pipeline('HotState.requeue', () => state.requeue(taken));
    else pipeline('HotState.markWarm', () => void state.markWarm(refs));
    for (const id of [0n, 1n, 2n, 3n, 4n]) {
      pipeline('HotState.read', () => {
        const p = state.read(id, -Infinity, Infinity);
        check(p.timestamps.length === p.values.length, 'read columns differ in length');
        for (let i = 1; i < p.timestamps.length; i++)
          check(p.timestamps[i - 1]! < p.timestamps[i]!, 'read points are not in timestamp order');
      });
    }
    pipeline('HotState.scanned', () => void state.scanned());
  },
  close() {
    state = new HotState(0, MAX_CHUNK_AGE_MS);
    seq = 0;
  },
  seeds() {
    const t0 = 1_700_000_000_000;
    const h = { partition: 0, producerId: 1n, sequence: 1n };
    return [
      encodeSampleBatch(h, [1n, 2n], [t0, t0], [1, 2]),
      encodeSampleBatch(h, [1n, 1n, 1n], [t0 + 2000, t0 + 1000, t0 + 1000], [1, 2, 3]),
      encodeSampleBatch({ ...h, partition: 3 }, [3n], [t0], [NaN]),
      encodeSampleBatch(h, [0n], [-1], [0]),
      Uint8Array.from([5, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 200, 0, 7, 7, 7]),
    ];
  },
};
