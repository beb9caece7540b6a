// Over 400 lines: one suite for the one class that owns a partition's LMDB log (entries, snapshots
// whole and in steps, trims, compaction), sharing its temporary-store fixture.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '@ztsdb/testing';
import { openBinaryDb, openEnv } from './lmdb-env';
import { encodeSampleBatch } from '@ztsdb/wire';
import { seriesKey } from '@ztsdb/model';
import { HotState } from '../head/hot-state';
import { WalFormatError, type WalCorruptError } from '../errors';
import { LocalLog, slicesPerPageDrop, TRIM_SLICE } from './local-log';
import { CHECKPOINT_STEP_BYTES } from './snapshot-store';

/** The process's peak RSS (VmHWM) in bytes; reset() starts it again from the current RSS. */
const peak = {
  reset: () => writeFileSync('/proc/self/clear_refs', '5'),
  bytes: () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024,
};

const T0 = 1_700_000_000_000;
const ids = [4n, 8n, 12n, 16n, 20n];

function makeBatch(k: number): Uint8Array {
  const ts = ids.map((_, i) => T0 + k * 1000 - (k % 7 === 0 && i === 0 ? 5000 : 0));
  return encodeSampleBatch(
    { partition: 0, producerId: 1n, sequence: BigInt(k) },
    ids,
    ts,
    ts.map((t, i) => Math.sin(t + i)),
  );
}

function apply(state: HotState, seq: number, bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer);
  const n = dv.getUint32(8, true);
  const idsArr = new BigUint64Array(bytes.buffer.slice(32, 32 + n * 8));
  const ts = new Float64Array(n);
  const h = new Int32Array(bytes.buffer.slice(32 + n * 8, 32 + n * 16));
  for (let i = 0; i < n; i++) ts[i] = h[2 * i + 1]! * 4294967296 + (h[2 * i]! >>> 0);
  const vs = new Float64Array(bytes.buffer.slice(32 + n * 16, 32 + n * 24));
  state.apply(seq, idsArr, ts, vs, n);
}

describe('LocalLog (real LMDB)', () => {
  const dir = tempDir('ztsdb-local-log-');
  afterAll(() => dir.remove());

  it('rebuilds exactly the live state from snapshot + WAL, seal markers and skips included', async () => {
    const live = new HotState(0, 20_000);
    const log = LocalLog.open(dir.path, 0);
    await log.clear('stream-1');
    for (let seq = 1; seq <= 120; seq++) {
      if (seq % 13 === 0) {
        await log.putSkip(seq);
        live.skip(seq);
        continue;
      }
      const b = makeBatch(seq);
      await log.putBatch(seq, b);
      apply(live, seq, b);
      if (seq === 60) {
        await log.snapshot(live);
        // A seal right after the snapshot, at the same sequence, must survive the reopen.
        expect(live.sealByAge(T0 + 75_000)).toBeGreaterThan(0);
        await log.putSeal(seq, T0 + 75_000);
      }
      if (seq === 90) {
        live.sealByAge(T0 + 200_000);
        await log.putSeal(seq, T0 + 200_000);
      }
      if (seq === 70) for (const c of live.takeUnpublished(3)) c.published = true;
    }
    await log.flushed();
    expect(log.lastSeq()).toBe(120);
    await log.close();

    const reopened = LocalLog.open(dir.path, 0);
    expect(reopened.streamId()).toBe('stream-1');
    const problems: string[] = [];
    const rec = reopened.recover({ partition: 0, maxChunkAgeMs: 20_000 }, (w) =>
      problems.push(w.message),
    )!;
    expect(problems).toEqual([]);
    expect(rec.replayedBatches).toBe(60 - 5); // batches 61..120 without the skipped 65, 78, 91, 104, 117
    const got = rec.state;
    expect(got.appliedSeq).toBe(live.appliedSeq);
    expect(got.heldChunks).toBe(live.heldChunks);
    expect(got.replayFromSeq()).toBe(live.replayFromSeq());
    expect(got.sealedBelowSeq()).toBe(live.sealedBelowSeq());
    for (const id of ids) {
      const a = live.read(id, 0, Infinity);
      const b = got.read(id, 0, Infinity);
      expect(Array.from(b.timestamps)).toEqual(Array.from(a.timestamps));
      expect(Array.from(b.values)).toEqual(Array.from(a.values));
    }
    // Same chunks, same boundaries: the held lists agree chunk by chunk.
    const key = (s: HotState) =>
      s
        .heldList()
        .map((c) => `${c.seriesId}:${c.minT}-${c.maxT}:${c.count}:${c.version}:${c.firstSeq}`)
        .sort();
    expect(key(got)).toEqual(key(live));
    await reopened.close();
  });

  it('calls for an early snapshot once the batches since the last are the minimum and the last snapshot large', async () => {
    const log = LocalLog.open(dir.path, 7);
    await log.clear('stream-due');
    const live = new HotState(7, 3600_000);
    const batch = makeBatch(1);
    // Before any snapshot only the minimum counts.
    let seq = 0;
    while (!log.snapshotDue(3 * batch.length)) {
      seq++;
      await log.putBatch(seq, batch);
      apply(live, seq, makeBatch(seq));
    }
    expect(seq).toBe(3);
    for (; seq < 200;) {
      seq++;
      await log.putBatch(seq, batch);
      apply(live, seq, makeBatch(seq));
    }
    await log.snapshot(live);
    expect(log.batchBytes).toBe(0);
    // The head of 5 series × 200 points snapshots larger than three batches: that size now rules.
    expect(log.snapshotBytes).toBeGreaterThan(3 * batch.length);
    let after = 0;
    while (!log.snapshotDue(3 * batch.length)) {
      seq++;
      after++;
      await log.putBatch(seq, batch);
    }
    expect(after).toBe(Math.ceil(log.snapshotBytes / batch.length));
    // A minimum above the snapshot's size rules again.
    expect(log.snapshotDue(after * batch.length + 1)).toBe(false);
    await log.close();
  });

  it('counts batches as behind until a finished snapshot removed them, those written while it ran too', async () => {
    const log = LocalLog.open(dir.path, 8);
    await log.clear('stream-behind');
    const live = new HotState(8, 3600_000);
    const batch = makeBatch(1);
    const min = 3 * batch.length;
    let seq = 0;
    const put = async (applied: boolean) => {
      seq++;
      await log.putBatch(seq, batch);
      if (applied) apply(live, seq, makeBatch(seq));
    };
    for (let i = 0; i < 5; i++) await put(true);
    expect(log.snapshotBehind(min)).toBe(false);
    await put(true);
    expect(log.snapshotBehind(min)).toBe(true); // six batches: twice the minimum
    await log.snapshot(live);
    expect(log.snapshotBehind(min)).toBe(false);
    // Twice the due bytes arrive while the next snapshot runs: it does not remove them.
    const due = Math.max(min, log.snapshotBytes);
    const running = log.snapshot(live);
    const during: number[] = [];
    for (let i = 0; i < Math.ceil((2 * due) / batch.length); i++) {
      await put(false);
      during.push(seq);
    }
    expect(log.snapshotBehind(min)).toBe(true);
    await running;
    expect(log.snapshotBehind(min)).toBe(true);
    // Once applied, the next snapshot removes them.
    for (const s of during) apply(live, s, makeBatch(s));
    await log.snapshot(live);
    expect(log.snapshotBehind(min)).toBe(false);
    await log.close();
  });

  it('reports a damaged WAL entry and gives up on the local state (the stream rebuilds it)', async () => {
    const log = LocalLog.open(dir.path, 1);
    await log.clear('s');
    const b = makeBatch(1);
    b[40] = b[40]! ^ 1;
    await log.putBatch(1, b);
    await log.flushed();
    const problems: WalCorruptError[] = [];
    expect(
      log.recover({ partition: 1, maxChunkAgeMs: 20_000 }, (w) => problems.push(w)),
    ).toBeUndefined();
    expect(problems[0]!.message).toMatch(/WAL entry 1 .* damaged: .*checksum/);
    expect(problems[0]!.code).toBe('ZTSDB_WAL_CORRUPT');
    expect(problems[0]!.context).toMatchObject({ file: log.file, key: 1 });
    await log.close();
  });

  // Found by the fuzzer (test/fuzz, target local-log): a seal marker shorter than its
  // f64 made recover() throw a RangeError out of the ingestor's start-up.
  it('reports a damaged seal marker instead of throwing', async () => {
    const log = LocalLog.open(dir.path, 3);
    await log.clear('s');
    await log.putBatch(1, makeBatch(1));
    await log.close();
    const env = openEnv(path.join(dir.path, 'wal', 'p3'));
    const key = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 2]); // sequence 1, kind 2 (seal)
    await openBinaryDb(env, 'iwal').put(key, Buffer.from([1, 2, 3]));
    await env.close();
    const reopened = LocalLog.open(dir.path, 3);
    const problems: WalCorruptError[] = [];
    expect(
      reopened.recover({ partition: 3, maxChunkAgeMs: 20_000 }, (w) => problems.push(w)),
    ).toBeUndefined();
    expect(problems[0]!.message).toMatch(/seal marker 1 .* damaged/);
    expect(problems[0]!.context).toMatchObject({ file: reopened.file, key: 1 });
    await reopened.close();
  });

  it('replays paced seal markers as the live ticks ran: backfill cut where the live state cut it', async () => {
    const NOW = T0 + 365 * 86_400_000; // the batches are far behind this clock: backfill
    const live = new HotState(0, 20_000);
    const log = LocalLog.open(dir.path, 5);
    await log.clear('s');
    let ticks = 0;
    for (let seq = 1; seq <= 40; seq++) {
      const b = makeBatch(seq);
      await log.putBatch(seq, b);
      apply(live, seq, b);
      if (seq % 10 === 0) {
        // Two ticks at the same sequence: the second finds the chunks idle and seals them.
        for (let k = 1; k <= 2; k++) {
          ticks++;
          live.sealByAge(NOW + ticks * 5000, true);
          await log.putSeal(seq, NOW + ticks * 5000, k);
        }
      }
    }
    await log.flushed();
    await log.close();
    const reopened = LocalLog.open(dir.path, 5);
    const got = reopened.recover({ partition: 0, maxChunkAgeMs: 20_000 }, () => undefined)!.state;
    const key = (s: HotState) =>
      s
        .heldList()
        .map((c) => `${c.seriesId}:${c.minT}-${c.maxT}:${c.count}`)
        .sort();
    expect(key(got)).toEqual(key(live));
    // Each in-order chunk holds the 10 batches between two idle ticks.
    expect(got.heldList().filter((c) => c.count === 10)).toHaveLength(4 * (ids.length - 1));
    await reopened.close();
  });

  it('drops the log pages every ~8 MiB of trimmed entries: every slice of large batches, fewer of small ones', () => {
    // An import's 16,384-point batches (~56 KB): every slice of 128 is ~7 MiB.
    expect(slicesPerPageDrop(1000 * 56_000, 1000)).toBe(1);
    // bench:ingest's 250-point batches (~4 KB): 16 slices (8 MiB) between drops.
    expect(slicesPerPageDrop(4000 * 4096, 4000)).toBe(16);
    // Nothing written since the last snapshot (a log from another process): every slice.
    expect(slicesPerPageDrop(0, 0)).toBe(1);
    expect(slicesPerPageDrop(123, 0)).toBe(1);
  });

  it('trims a log of many small batches (fewer page drops) completely, and recovers the same state', async () => {
    const few = Array.from({ length: 200 }, (_, i) => BigInt(i + 1));
    const small = (k: number): Uint8Array =>
      encodeSampleBatch(
        { partition: 0, producerId: 1n, sequence: BigInt(k) },
        few,
        few.map(() => T0 + k * 1000),
        few.map((_, i) => i * 0.5 + k),
      );
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 8);
    await log.clear('s');
    const entries = 20 * TRIM_SLICE + 7; // 2,567 entries of ~4.8 KB: 21 slices, a page drop every 13
    for (let seq = 1; seq <= entries; seq++) {
      const b = small(seq);
      void log.putBatch(seq, b);
      apply(live, seq, b);
      if (seq % 256 === 0) await log.flushed();
    }
    await log.flushed();
    await log.snapshot(live);
    // Written after the snapshot: kept, and replayed on recovery.
    const tail = small(entries + 1);
    await log.putBatch(entries + 1, tail);
    apply(live, entries + 1, tail);
    await log.flushed();
    await log.close();
    const env = openEnv(LocalLog.dirOf(dir.path, 8));
    expect(openBinaryDb(env, 'iwal').getKeysCount()).toBe(1); // every covered entry removed
    await env.close();
    const reopened = LocalLog.open(dir.path, 8);
    const got = reopened.recover({ partition: 0, maxChunkAgeMs: 3_600_000 }, () => undefined)!;
    expect(got.state.appliedSeq).toBe(entries + 1);
    for (const id of [1n, 77n, 200n])
      expect(Array.from(got.state.read(id, 0, Infinity).values)).toEqual(
        Array.from(live.read(id, 0, Infinity).values),
      );
    await reopened.close();
  });

  it('trims a large log in slices without mapping the whole file, and recovers the same state', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => BigInt(i + 1));
    const big = (k: number): Uint8Array => {
      const ts = many.map(() => T0 + k * 1000);
      return encodeSampleBatch(
        { partition: 0, producerId: 1n, sequence: BigInt(k) },
        many,
        ts,
        ts.map((_, i) => i + k),
      );
    };
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 7);
    await log.clear('s');
    const entries = 8 * TRIM_SLICE; // 1,024 entries of 48 KB
    for (let seq = 1; seq <= entries; seq++) {
      const b = big(seq);
      void log.putBatch(seq, b);
      apply(live, seq, b);
      if (seq % 128 === 0) await log.flushed();
    }
    await log.flushed();
    const size = statSync(log.file).size;
    expect(size).toBeGreaterThan(48 * 1024 * 1024);
    live.sealByAge(Infinity);
    live.markWarm(
      live.takeUnpublished().map((c) => ({
        id: seriesKey(c.seriesId),
        minT: c.minT,
        maxT: c.maxT,
        count: c.count,
      })),
    );
    peak.reset();
    const from = peak.bytes();
    await log.snapshot(live);
    // One transaction mapped about the whole file (the pages around each value's first page).
    expect(peak.bytes() - from).toBeLessThan(size / 3);
    await log.close();
    const env = openEnv(LocalLog.dirOf(dir.path, 7));
    expect(openBinaryDb(env, 'iwal').getKeysCount()).toBe(0); // every entry removed
    await env.close();
    const reopened = LocalLog.open(dir.path, 7);
    const got = reopened.recover({ partition: 0, maxChunkAgeMs: 3_600_000 }, () => undefined)!;
    expect(got.state.appliedSeq).toBe(entries);
    expect(got.state.heldList()).toHaveLength(live.heldList().length);
    for (const id of [1n, 999n, 2000n])
      expect(Array.from(got.state.read(id, 0, Infinity).values)).toEqual(
        Array.from(live.read(id, 0, Infinity).values),
      );
    await reopened.close();
  });

  it('lays a snapshot out in steps that let the event loop run, with the same bytes and the same recovery', async () => {
    // A head of a few megabytes: 3,000 series × 400 points of a random walk, some chunks held.
    const many = Array.from({ length: 3000 }, (_, i) => BigInt(i + 1));
    const walk = many.map(() => 0);
    const batch = (k: number): Uint8Array => {
      const ts = many.map(() => T0 + k * 1000);
      return encodeSampleBatch(
        { partition: 0, producerId: 1n, sequence: BigInt(k) },
        many,
        ts,
        walk.map((w, i) => (walk[i] = Math.round((w + Math.sin(k * 7 + i)) * 100) / 100)),
      );
    };
    const live = new HotState(0, 3_600_000);
    const logs = [LocalLog.open(dir.path, 8), LocalLog.open(dir.path, 9)];
    for (const l of logs) await l.clear('s');
    for (let seq = 1; seq <= 400; seq++) {
      const b = batch(seq);
      for (const l of logs) void l.putBatch(seq, b);
      apply(live, seq, b);
      if (seq === 200) live.sealByAge(Infinity); // held chunks go into the snapshot too
    }
    expect(live.heldList().length).toBeGreaterThan(0);
    await logs[0]!.snapshot(live);
    const order: string[] = [];
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    await logs[1]!.snapshot(live, {
      pause: () => {
        order.push('pause');
        return new Promise<void>((r) => setTimeout(r, 1));
      },
      encoded: () => order.push('encoded'),
    });
    clearInterval(ticker);
    expect(logs[1]!.snapshotBytes).toBe(logs[0]!.snapshotBytes);
    expect(logs[0]!.snapshotBytes).toBeGreaterThan(2 * CHECKPOINT_STEP_BYTES);
    const pauses = order.filter((o) => o === 'pause').length;
    expect(pauses).toBeGreaterThanOrEqual(
      Math.floor(logs[0]!.snapshotBytes / CHECKPOINT_STEP_BYTES) - 1,
    );
    expect(order.at(-1)).toBe('encoded');
    expect(ticks).toBeGreaterThan(0); // timers ran while it was laid out
    const raw = async (p: number): Promise<Buffer[]> => {
      await logs[p - 8]!.close();
      const env = openEnv(LocalLog.dirOf(dir.path, p));
      const meta = openBinaryDb(env, 'imeta');
      const parts = [
        ...meta.getRange({ start: Buffer.from('checkpoint.g'), end: Buffer.from('checkpoint.h') }),
      ].map(({ value }) => Buffer.from(value));
      await env.close();
      return parts;
    };
    const [a, b] = [await raw(8), await raw(9)];
    expect(b.length).toBeGreaterThan(1);
    expect(Buffer.concat(b).equals(Buffer.concat(a))).toBe(true);
    const reopened = LocalLog.open(dir.path, 9);
    const got = reopened.recover({ partition: 0, maxChunkAgeMs: 3_600_000 }, () => undefined)!;
    expect(got.replayedBatches).toBe(0);
    expect(got.state.appliedSeq).toBe(400);
    expect(got.state.heldList()).toHaveLength(live.heldList().length);
    for (const id of [1n, 1500n, 3000n])
      expect(Array.from(got.state.read(id, 0, Infinity).values)).toEqual(
        Array.from(live.read(id, 0, Infinity).values),
      );
    await reopened.close();
  });

  it('compacts its file online once the snapshot trimmed a large log, and goes on as before', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => BigInt(i + 1));
    const big = (k: number): Uint8Array => {
      const ts = many.map(() => T0 + k * 1000);
      return encodeSampleBatch(
        { partition: 0, producerId: 1n, sequence: BigInt(k) },
        many,
        ts,
        ts.map((_, i) => i * k),
      );
    };
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 6);
    await log.clear('s');
    for (let seq = 1; seq <= 200; seq++) {
      const b = big(seq);
      void log.putBatch(seq, b);
      apply(live, seq, b);
    }
    await log.flushed();
    // Everything sealed and in warm files: the snapshot that trims the log is small.
    live.sealByAge(Infinity);
    live.markWarm(
      live.takeUnpublished().map((c) => ({
        id: seriesKey(c.seriesId),
        minT: c.minT,
        maxT: c.maxT,
        count: c.count,
      })),
    );
    await log.snapshot(live);
    const before = statSync(log.file).size;
    expect(before).toBeGreaterThan(8_000_000);
    expect(await log.compactOnline(before)).toBeUndefined(); // not over the limit
    const b201 = big(201);
    void log.putBatch(201, b201);
    apply(live, 201, b201);
    const r = await log.compactOnline(1_000_000);
    expect(r!.before).toBe(before);
    expect(r!.after).toBeLessThan(before / 2);
    expect(statSync(log.file).size).toBe(r!.after);
    // The copy's blocks were reserved as large as the file, and what it did not fill given back.
    expect(statSync(log.file).blocks * 512).toBeLessThan(r!.after + 1_000_000);
    for (let seq = 202; seq <= 210; seq++) {
      const b = big(seq);
      void log.putBatch(seq, b);
      apply(live, seq, b);
    }
    await log.flushed();
    await log.close();
    const reopened = LocalLog.open(dir.path, 6);
    const got = reopened.recover({ partition: 0, maxChunkAgeMs: 3_600_000 }, () => undefined)!;
    expect(got.state.appliedSeq).toBe(210);
    for (const id of [1n, 777n, 2000n])
      expect(Array.from(got.state.read(id, 0, Infinity).values)).toEqual(
        Array.from(live.read(id, 0, Infinity).values),
      );
    await reopened.close();
  });

  it('keeps what precedes a damaged entry when asked to (keepBeforeDamage: the embedded engine)', async () => {
    const log = LocalLog.open(dir.path, 4);
    await log.clear('s');
    await log.putBatch(1, makeBatch(1));
    await log.putBatch(2, makeBatch(2));
    const bad = makeBatch(3);
    bad[40] = bad[40]! ^ 1;
    await log.putBatch(3, bad);
    await log.putBatch(4, makeBatch(4));
    await log.flushed();
    const problems: WalCorruptError[] = [];
    const rec = log.recover({ partition: 4, maxChunkAgeMs: 20_000, keepBeforeDamage: true }, (w) =>
      problems.push(w),
    )!;
    expect(rec.replayedBatches).toBe(2);
    expect(rec.damagedAt).toBe(3);
    expect(rec.state.appliedSeq).toBe(2);
    expect(problems.map((p) => p.context.key)).toEqual([3]);
    await log.close();
  });

  it('refuses, with a coded error, an environment holding the first embedded-engine WAL format', async () => {
    const env = openEnv(path.join(dir.path, 'wal', 'p5'));
    await openBinaryDb(env, 'wal').put(Buffer.alloc(8), Buffer.from([1, 2, 3]));
    await env.close();
    let err: unknown;
    try {
      LocalLog.open(dir.path, 5);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WalFormatError);
    expect((err as WalFormatError).code).toBe('ZTSDB_WAL_OLD_FORMAT');
    expect((err as WalFormatError).context).toMatchObject({
      file: path.join(dir.path, 'wal', 'p5', 'data.mdb'),
      key: 'wal',
    });
  });

  it('has nothing to recover in a fresh directory', async () => {
    const log = LocalLog.open(dir.path, 2);
    expect(log.recover({ partition: 2, maxChunkAgeMs: 1000 }, () => undefined)).toBeUndefined();
    expect(log.lastSeq()).toBe(0);
    await log.close();
  });
});
