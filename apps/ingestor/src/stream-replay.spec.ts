import { Logger } from '@nestjs/common';
import { RepeatedWarnings } from '@ztsdb/bus';
import { HotState } from '@ztsdb/tsdb';
import { encodeSampleBatch, encodeSampleBatchV2, encodeSampleBatchV3 } from '@ztsdb/wire';
import { REASON_WRONG_PARTITION } from './batch-check';
import type { OwnedPartition, PartitionOwnerOptions } from './owned-partition';
import { ReplayApplier, replayAhead } from './stream-replay';

const T0 = 1_760_000_000_000;
const HOUR = 3_600_000;

interface Reported {
  code: string;
  data: Uint8Array;
}

/** Only what the applier reads: the partition, its limits, the DLQ and the head. */
function partition(reported: Reported[]): OwnedPartition {
  return {
    partition: 0,
    opts: {
      limits: { partitions: 1, minTimestampMs: 0, maxFutureMs: 10 * 365 * 24 * HOUR },
      deadLetters: {
        report: (code: string, _detail: string, data: Uint8Array) =>
          reported.push({ code, data: Uint8Array.from(data) }),
      },
    } as unknown as PartitionOwnerOptions,
    log: new Logger('spec'),
    warnings: new RepeatedWarnings(() => undefined, 1000),
    state: new HotState(0, 2 * HOUR),
    wal: undefined as never,
    streamId: '',
    stopping: false,
  };
}

/** A batch of `series` series × `steps` timestamps, point i of series k at T0 + (from + i) s. */
function columns(series: number, steps: number, from: number) {
  const n = series * steps;
  const ids = new BigUint64Array(n);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let i = 0; i < steps; i++)
    for (let k = 0; k < series; k++) {
      const j = i * series + k;
      ids[j] = 1000n + BigInt(k);
      ts[j] = T0 + (from + i) * 1000;
      vs[j] = Math.round((k * 7.25 + (from + i) * 0.5) * 100) / 100;
    }
  return { ids, ts, vs, n };
}

/** The message at an odd offset of a larger buffer, as a client's read buffer holds it. */
function atOddOffset(message: Uint8Array, offset = 3): Uint8Array {
  const buf = new Uint8Array(message.length + offset + 5).fill(0xa5);
  buf.set(message, offset);
  return buf.subarray(offset, offset + message.length);
}

describe('ReplayApplier', () => {
  it('applies batches of versions 1, 2 and 3 at odd offsets exactly as the head would take them', () => {
    const owned = partition([]);
    const reference = new HotState(0, 2 * HOUR);
    const applier = new ReplayApplier(owned);
    const header = (seq: number) => ({ partition: 0, producerId: 7n, sequence: BigInt(seq) });
    const encoders = [
      (h: ReturnType<typeof header>, c: ReturnType<typeof columns>) =>
        encodeSampleBatch(h, c.ids, c.ts, c.vs, c.n),
      (h: ReturnType<typeof header>, c: ReturnType<typeof columns>) =>
        encodeSampleBatchV2(h, c.ids, c.ts, c.vs, c.n)!,
      (h: ReturnType<typeof header>, c: ReturnType<typeof columns>) =>
        encodeSampleBatchV3(h, c.ids, c.ts, c.vs, c.n),
    ];
    let points = 0;
    for (let seq = 1; seq <= 9; seq++) {
      const c = columns(5, 4, seq * 4);
      const message = encoders[seq % 3]!(header(seq), c);
      // Aligned and unaligned in turn: the scratch copy is reused from one message to the next.
      const data = seq % 2 === 0 ? message : atOddOffset(message, seq % 8 || 1);
      expect(applier.apply(seq, data, 'ztsdb.samples.p.0')).toBe(c.n);
      reference.apply(seq, c.ids, c.ts, c.vs, c.n);
      points += c.n;
    }
    expect(applier.result).toEqual({ batches: 9, points, refused: 0 });
    expect(owned.state.appliedSeq).toBe(9);
    for (let k = 0; k < 5; k++) {
      const id = 1000n + BigInt(k);
      const got = owned.state.read(id, 0, Number.MAX_SAFE_INTEGER);
      const want = reference.read(id, 0, Number.MAX_SAFE_INTEGER);
      expect(got.timestamps.length).toBe(36);
      expect(Array.from(got.timestamps)).toEqual(Array.from(want.timestamps));
      expect(Array.from(got.values)).toEqual(Array.from(want.values));
    }
  });

  it('sends a batch that does not decode to the DLQ, unchanged, and skips its sequence', () => {
    const reported: Reported[] = [];
    const owned = partition(reported);
    const applier = new ReplayApplier(owned);
    const c = columns(3, 2, 0);
    const good = encodeSampleBatch(
      { partition: 0, producerId: 1n, sequence: 1n },
      c.ids,
      c.ts,
      c.vs,
      c.n,
    );
    const bad = Uint8Array.from(good);
    bad[40] = bad[40]! ^ 0xff; // the checksum no longer matches
    expect(applier.apply(1, atOddOffset(bad), 'ztsdb.samples.p.0')).toBe(0);
    expect(reported).toHaveLength(1);
    expect(reported[0]!.code).toMatch(/^ZTSDB_/);
    expect(reported[0]!.data).toEqual(bad);
    expect(owned.state.appliedSeq).toBe(1);
    expect(applier.apply(2, good, 'ztsdb.samples.p.0')).toBe(c.n);
    expect(applier.result).toEqual({ batches: 1, points: c.n, refused: 1 });
  });

  it('sends a batch of another partition to the DLQ', () => {
    const reported: Reported[] = [];
    const applier = new ReplayApplier(partition(reported));
    const c = columns(2, 1, 0);
    const other = encodeSampleBatch(
      { partition: 1, producerId: 1n, sequence: 1n },
      c.ids,
      c.ts,
      c.vs,
      c.n,
    );
    expect(applier.apply(4, other, 'ztsdb.samples.p.0')).toBe(0);
    expect(reported.map((r) => r.code)).toEqual([REASON_WRONG_PARTITION]);
  });

  it('ignores a sequence the head already has', () => {
    const owned = partition([]);
    owned.state.appliedSeq = 10;
    const applier = new ReplayApplier(owned);
    const c = columns(2, 1, 0);
    const m = encodeSampleBatch(
      { partition: 0, producerId: 1n, sequence: 1n },
      c.ids,
      c.ts,
      c.vs,
      c.n,
    );
    expect(applier.apply(10, m, 'ztsdb.samples.p.0')).toBe(0);
    expect(applier.apply(11, m, 'ztsdb.samples.p.0')).toBe(c.n);
    expect(owned.state.read(1000n, 0, Number.MAX_SAFE_INTEGER).timestamps.length).toBe(1);
  });
});

describe('replayAhead', () => {
  it('asks for about fetchBytes of the average message, within bounds', () => {
    expect(replayAhead(4 << 20, 4096 * 1000, 1000)).toBe(1024);
    expect(replayAhead(4 << 20, 0, 0)).toBe(64);
    expect(replayAhead(4 << 20, 100 * 1000, 1000)).toBe(8192);
    expect(replayAhead(4 << 20, (1 << 20) * 10, 10)).toBe(64);
  });
});
