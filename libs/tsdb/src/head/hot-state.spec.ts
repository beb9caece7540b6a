import { seriesKey } from '@ztsdb/model';
import { HotState } from './hot-state';

const T0 = 1_700_000_000_000;

/** Batch k: every series gets one point at T0 + k s (series 3 also gets an out-of-order point). */
function batch(
  k: number,
  series: bigint[],
): { ids: BigUint64Array; ts: Float64Array; vs: Float64Array } {
  const ids: bigint[] = [];
  const ts: number[] = [];
  for (const id of series) {
    ids.push(id);
    ts.push(T0 + k * 1000);
  }
  if (k > 2) {
    ids.push(series[3]!);
    ts.push(T0 + (k - 2) * 1000 + 1);
  }
  return {
    ids: BigUint64Array.from(ids),
    ts: Float64Array.from(ts),
    vs: Float64Array.from(ts, (t) => (t % 9973) / 7),
  };
}

const ids = [11n, 22n, 33n, 44n];

describe('HotState', () => {
  it('reads back every applied point, latest write wins', () => {
    const s = new HotState(0, 3600_000);
    for (let k = 1; k <= 50; k++) {
      const b = batch(k, ids);
      s.apply(k, b.ids, b.ts, b.vs, b.ids.length);
    }
    expect(s.appliedSeq).toBe(50);
    expect(Array.from(s.read(11n, 0, Infinity).timestamps)).toEqual(
      Array.from({ length: 50 }, (_, i) => T0 + (i + 1) * 1000),
    );
    expect(s.read(44n, 0, Infinity).timestamps.length).toBe(50 + 48);
    expect(s.read(99n, 0, Infinity).timestamps.length).toBe(0);
  });

  it('returns the chunks each batch sealed (the batch append), and the same ones are held', () => {
    const s = new HotState(0, 10_000); // a chunk spans at most 10 s of data: 10 points
    const returned: string[] = [];
    for (let k = 1; k <= 25; k++) {
      const b = batch(k, ids);
      const sealed = s.apply(k, b.ids, b.ts, b.vs, b.ids.length);
      // Batch 11 is the first whose in-order points start new chunks (10 s after batch 1).
      if (k <= 10) expect(sealed.length).toBe(0);
      for (const c of sealed) returned.push(`${c.seriesId}:${c.minT}:${c.count}`);
    }
    expect(returned.length).toBeGreaterThan(0);
    expect(
      s
        .heldList()
        .map((c) => `${c.seriesId}:${c.minT}:${c.count}`)
        .sort(),
    ).toEqual(returned.sort());
  });

  it('tracks the checkpoint: first sequence not in a warm file, and first not in a published chunk', () => {
    const s = new HotState(0, 10_000); // a chunk spans at most 10 s of data: 10 points
    for (let k = 1; k <= 25; k++) {
      const b = batch(k, ids);
      s.apply(k, b.ids, b.ts, b.vs, b.ids.length);
    }
    // Open chunks started at batch 21; sealed chunks hold batches 1..20 and are neither published nor in warm.
    expect(s.heldChunks).toBeGreaterThanOrEqual(8);
    expect(s.replayFromSeq()).toBe(1);
    expect(s.sealedBelowSeq()).toBe(1);
    const chunks = s.takeUnpublished();
    for (const c of chunks) c.published = true;
    expect(s.replayFromSeq()).toBe(1);
    // Series 4's out-of-order buffer started at batch 3 and is still open.
    expect(s.sealedBelowSeq()).toBe(3);
    // The compactor reports every in-order chunk in warm: they are dropped and the checkpoint moves.
    const inOrder = chunks.filter((c) => c.seriesId !== 44n || c.count === 10);
    const dropped = s.markWarm(
      inOrder.map((c) => ({
        id: seriesKey(c.seriesId),
        minT: c.minT,
        maxT: c.maxT,
        count: c.count,
      })),
    );
    expect(dropped).toBe(inOrder.length);
    expect(s.heldChunks).toBe(chunks.length - inOrder.length);
    expect(s.replayFromSeq()).toBe(3);
    // Dropped points are no longer answered; the open chunk's are.
    expect(Array.from(s.read(11n, 0, Infinity).timestamps)).toEqual(
      [21, 22, 23, 24, 25].map((k) => T0 + k * 1000),
    );
  });

  it('seals by age and labels each sealed chunk with the batch that started it', () => {
    const s = new HotState(0, 60_000);
    for (let k = 1; k <= 5; k++) {
      const b = batch(k, ids);
      s.apply(k + 100, b.ids, b.ts, b.vs, b.ids.length);
    }
    expect(s.heldChunks).toBe(0);
    expect(s.sealByAge(T0 + 5000 + 60_000)).toBe(5); // 4 open chunks + 1 out-of-order buffer
    const chunks = s.takeUnpublished();
    expect(chunks.map((c) => c.firstSeq).sort()).toEqual([101, 101, 101, 101, 103]);
    expect(s.replayFromSeq()).toBe(101);
    s.markWarm(
      chunks.map((c) => ({
        id: seriesKey(c.seriesId),
        minT: c.minT,
        maxT: c.maxT,
        count: c.count,
      })),
    );
    expect(s.replayFromSeq()).toBe(106);
  });

  it('drops a chunk at once when the manifest reported it before it was sealed here', () => {
    const s = new HotState(0, 60_000);
    const b = batch(1, ids);
    s.apply(1, b.ids, b.ts, b.vs, b.ids.length);
    s.markWarm([{ id: seriesKey(11n), minT: T0 + 1000, maxT: T0 + 1000, count: 1 }]);
    s.sealByAge(Infinity);
    expect(s.heldChunks).toBe(3);
    expect(s.read(11n, 0, Infinity).timestamps.length).toBe(0);
  });

  it('keeps the checkpoint and the point count as a full scan would give them, through every kind of change', () => {
    let r = 12345;
    const rnd = (n: number) => ((r = (r * 1103515245 + 12345) % 2 ** 31), r % n);
    const s = new HotState(0, 20_000, undefined);
    const series = Array.from({ length: 30 }, (_, i) => BigInt(i * 7 + 1));
    const check = () => {
      const full = s.scanned();
      expect({
        replayFrom: s.replayFromSeq(),
        sealedBelow: s.sealedBelowSeq(),
        openPoints: s.openPoints,
      }).toEqual(full);
    };
    const taken: ReturnType<HotState['takeUnpublished']> = [];
    for (let seq = 1; seq <= 400; seq++) {
      const n = 1 + rnd(40);
      const ids = new BigUint64Array(n);
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        ids[i] = series[rnd(series.length)]!;
        // Mostly in order, sometimes late, sometimes the same timestamp again (a replacement).
        const late = rnd(10) === 0 ? 1000 * (1 + rnd(30)) : 0;
        ts[i] = T0 + seq * 1000 - late - (rnd(7) === 0 ? 1000 : 0);
        vs[i] = rnd(1000);
      }
      s.apply(seq, ids, ts, vs, n, rnd(3) === 0 ? undefined : BigInt(rnd(4)));
      if (seq % 37 === 0) s.sealByAge(T0 + seq * 1000 - rnd(20_000));
      if (seq % 11 === 0) {
        const got = s.takeUnpublished(1 + rnd(5));
        const back = got.filter(() => rnd(3) === 0);
        for (const c of got) if (!back.includes(c)) c.published = true;
        s.requeue(back);
        taken.push(...got.filter((c) => !back.includes(c)));
      }
      if (seq % 29 === 0 && taken.length > 0) {
        s.markWarm(
          taken.splice(0, 1 + rnd(taken.length)).map((c) => ({
            id: seriesKey(c.seriesId),
            minT: c.minT,
            maxT: c.maxT,
            count: c.count,
          })),
        );
      }
      if (seq % 5 === 0) check();
    }
    expect(s.heldChunks).toBeGreaterThan(10);
    check();
  });
  it('starts its sequences over for a re-created stream, keeping every point in held chunks', () => {
    const s = new HotState(0, 3600_000);
    for (let k = 1; k <= 20; k++) {
      const b = batch(k, ids);
      s.apply(k + 1000, b.ids, b.ts, b.vs, b.ids.length);
    }
    const before = ids.map((id) => s.read(id, 0, Infinity));
    expect(() => s.rebase()).toThrow(/sealed first/);
    s.sealByAge(Number.POSITIVE_INFINITY);
    s.rebase();
    expect(s.appliedSeq).toBe(0);
    expect(s.openPoints).toBe(0);
    expect(s.replayFromSeq()).toBe(1);
    expect(s.sealedBelowSeq()).toBe(1);
    expect(s.scanned()).toEqual({ replayFrom: 1, sealedBelow: 1, openPoints: 0 });
    expect(ids.map((id) => s.read(id, 0, Infinity))).toEqual(before);
    // The new stream's batches go on from sequence 1.
    const b = batch(21, ids);
    s.apply(1, b.ids, b.ts, b.vs, b.ids.length);
    expect(s.appliedSeq).toBe(1);
    expect(s.scanned().replayFrom).toBe(s.replayFromSeq());
  });
});
