// The checkpoint in generations, on real LMDB: round trip, a crash between pieces and after the
// switch, damaged pieces, the layout before generations, and WAL writes between the pieces.
import type { RootDatabase } from 'lmdb';
import { tempDir } from '@ztsdb/testing';
import { encodeSampleBatch } from '@ztsdb/wire';
import { HotState } from '../head/hot-state';
import type { WalCorruptError } from '../errors';
import {
  CHECKPOINT_PART_BYTES,
  CHECKPOINT_TXN_BYTES,
  decodePointer,
  encodePointer,
  pieceKey,
  POINTER_VERSION,
  readPointer,
  removeStalePieces,
  stateImage,
  writeGeneration,
  type GenerationIo,
} from './checkpoint-generations';
import { ImageScratch } from './image-scratch';
import { encodeExtras } from './ingest-record';
import { openBinaryDb, openEnv, type WalDb } from './lmdb-env';
import { LocalLog } from './local-log';
import { CHECKPOINT_STEP_BYTES, putCheckpoint, putCheckpointParts } from './snapshot-store';

const T0 = 1_700_000_000_000;
const OPTS = { partition: 0, maxChunkAgeMs: 3_600_000 };

/** Batch `k` of `series` series (ids 1…series), values that compress poorly (megabytes of head). */
function batch(k: number, series: number): Uint8Array {
  const ids = Array.from({ length: series }, (_, i) => BigInt(i + 1));
  return encodeSampleBatch(
    { partition: 0, producerId: 1n, sequence: BigInt(k) },
    ids,
    ids.map(() => T0 + k * 1000),
    ids.map((_, i) => Math.sin(k * 7.3 + i * 1.1) * 1e6),
  );
}

/** Writes batches from..to to the log and the live state. */
async function feed(
  log: LocalLog,
  live: HotState,
  from: number,
  to: number,
  series: number,
): Promise<void> {
  for (let seq = from; seq <= to; seq++) {
    const b = batch(seq, series);
    void log.putBatch(seq, b);
    const n = series;
    const dv = new DataView(b.buffer, b.byteOffset);
    const ids = new BigUint64Array(n);
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = dv.getBigUint64(32 + 8 * i, true);
      ts[i] = T0 + seq * 1000;
      vs[i] = dv.getFloat64(32 + 16 * n + 8 * i, true);
    }
    live.apply(seq, ids, ts, vs, n);
  }
  await log.flushed();
}

/** The same points for a few series, recovered and live. */
function expectSame(got: HotState, live: HotState): void {
  expect(got.appliedSeq).toBe(live.appliedSeq);
  for (const id of [1n, 500n, 1999n])
    expect(Array.from(got.read(id, 0, Infinity).values)).toEqual(
      Array.from(live.read(id, 0, Infinity).values),
    );
}

function rawIo(env: RootDatabase, meta: WalDb): GenerationIo {
  void env;
  return { db: () => meta, observe: (w) => w };
}

/** Keys of `imeta` as latin1 strings (pieces shortened to prefix/generation). */
function metaKeys(meta: WalDb): string[] {
  return [...meta.getKeys({ snapshot: false })].map((k) => {
    const b = Buffer.from(k as Uint8Array);
    if (b.toString('latin1').startsWith('checkpoint.g')) return `g${b.readUInt32BE(12)}`;
    if (b.toString('latin1').startsWith('checkpoint/')) return 'legacy';
    return b.toString('latin1');
  });
}

/** The live state's snapshot image, as LocalLog.snapshot lays it out. */
function imageOf(live: HotState, scratch?: ImageScratch) {
  return stateImage(live, { stepBytes: CHECKPOINT_STEP_BYTES, scratch });
}

describe('checkpoint in generations (real LMDB)', () => {
  const dir = tempDir('ztsdb-cp-gen-');
  afterAll(() => dir.remove());
  const SERIES = 2000;

  it('round-trips a checkpoint of several transactions, and keeps one generation', async () => {
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 0);
    await log.clear('s');
    await feed(log, live, 1, 200, SERIES);
    live.sealByAge(Infinity); // held chunks go into the snapshot too
    await feed(log, live, 201, 260, SERIES);
    await log.snapshot(live);
    expect(log.snapshotBytes).toBeGreaterThan(2 * CHECKPOINT_TXN_BYTES);
    await feed(log, live, 261, 270, SERIES);
    await log.snapshot(live);
    await feed(log, live, 271, 280, SERIES);
    await log.close();

    const env = openEnv(LocalLog.dirOf(dir.path, 0));
    const meta = openBinaryDb(env, 'imeta');
    const p = readPointer(meta)!;
    expect(p.generation).toBe(2);
    expect(p.walSeq).toBe(271);
    expect(new Set(metaKeys(meta))).toEqual(new Set(['checkpoint', 'g2', 'stream']));
    expect(metaKeys(meta).filter((k) => k === 'g2')).toHaveLength(p.sums.length);
    await env.close();

    const reopened = LocalLog.open(dir.path, 0);
    expect(reopened.lastSeq()).toBe(280);
    const problems: WalCorruptError[] = [];
    const got = reopened.recover(OPTS, (e) => problems.push(e))!;
    expect(problems).toEqual([]);
    expect(got.replayedBatches).toBe(10);
    expect(got.state.heldList()).toHaveLength(live.heldList().length);
    expectSame(got.state, live);
    await reopened.close();
  });

  it('recovers the previous checkpoint and the WAL after it when a crash fell between pieces, and drops the orphans', async () => {
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 1);
    await log.clear('s');
    await feed(log, live, 1, 150, SERIES);
    await log.snapshot(live); // generation 1
    await feed(log, live, 151, 240, SERIES);
    await log.close();
    // The next snapshot's first transactions of pieces, then the crash: no switch.
    const image = await imageOf(live);
    expect(image.sums.length).toBeGreaterThan(2 * (CHECKPOINT_TXN_BYTES / CHECKPOINT_PART_BYTES));
    let env = openEnv(LocalLog.dirOf(dir.path, 1));
    let meta = openBinaryDb(env, 'imeta');
    await expect(
      writeGeneration(rawIo(env, meta), image, undefined, (t) => {
        if (t === 1) throw new Error('crash');
      }),
    ).rejects.toThrow('crash');
    expect(readPointer(meta)!.generation).toBe(1);
    expect(metaKeys(meta)).toContain('g2');
    await env.close();

    const reopened = LocalLog.open(dir.path, 1);
    const problems: WalCorruptError[] = [];
    const got = reopened.recover(OPTS, (e) => problems.push(e))!;
    expect(problems).toEqual([]);
    expect(got.replayedBatches).toBe(90); // the WAL after generation 1: nothing lost
    expectSame(got.state, live);
    // The next snapshot drops the unfinished generation before writing its own.
    await feed(reopened, live, 241, 245, SERIES);
    await reopened.snapshot(live);
    await reopened.close();
    env = openEnv(LocalLog.dirOf(dir.path, 1));
    meta = openBinaryDb(env, 'imeta');
    expect(readPointer(meta)!.generation).toBe(2);
    expect(metaKeys(meta).filter((k) => k === 'g2')).toHaveLength(readPointer(meta)!.sums.length);
    expect(metaKeys(meta).filter((k) => k.startsWith('g') && k !== 'g2')).toEqual([]);
    await env.close();
  });

  it('uses the new generation when a crash fell after the switch, and removes the old one next time', async () => {
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 2);
    await log.clear('s');
    await feed(log, live, 1, 150, SERIES);
    await log.snapshot(live);
    await feed(log, live, 151, 200, SERIES);
    await log.close();
    let env = openEnv(LocalLog.dirOf(dir.path, 2));
    let meta = openBinaryDb(env, 'imeta');
    // Pieces and switch, then the crash: neither the WAL trim nor the old pieces' removal.
    await writeGeneration(rawIo(env, meta), await imageOf(live));
    await meta.flushed;
    expect(readPointer(meta)!.generation).toBe(2);
    expect(metaKeys(meta)).toContain('g1');
    await env.close();

    const reopened = LocalLog.open(dir.path, 2);
    const got = reopened.recover(OPTS, () => {
      throw new Error('no problem expected');
    })!;
    expect(got.replayedBatches).toBe(0); // the WAL it covers is skipped
    expectSame(got.state, live);
    await feed(reopened, live, 201, 202, SERIES);
    await reopened.snapshot(live);
    await reopened.close();
    env = openEnv(LocalLog.dirOf(dir.path, 2));
    meta = openBinaryDb(env, 'imeta');
    expect(new Set(metaKeys(meta))).toEqual(new Set(['checkpoint', 'g3', 'stream']));
    expect(openBinaryDb(env, 'iwal').getKeysCount()).toBe(0);
    await env.close();
  });

  it('reports a damaged, short or missing piece with the file and its key, and recovers nothing as before', async () => {
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 3);
    await log.clear('s');
    await feed(log, live, 1, 60, SERIES);
    await log.snapshot(live);
    await log.close();
    const key = pieceKey(1, 3);
    const damages: Array<[string, (v: Buffer) => Buffer | undefined, RegExp]> = [
      ['flipped', (v) => ((v[100]! ^= 1), v), /checkpoint\.g\/1\/3 \(4 of \d+\): CRC-32 mismatch/],
      ['short', (v) => v.subarray(0, v.length - 1), /has 65535 bytes, expected 65536/],
      ['missing', () => undefined, /checkpoint\.g\/1\/3 \(4 of \d+\) is missing/],
    ];
    for (const [, damage, message] of damages) {
      const env = openEnv(LocalLog.dirOf(dir.path, 3));
      const meta = openBinaryDb(env, 'imeta');
      const good = Buffer.from(meta.get(key)!);
      const bad = damage(Buffer.from(good));
      if (bad) await meta.put(key, bad);
      else await meta.remove(key);
      await env.close();
      const reopened = LocalLog.open(dir.path, 3);
      const problems: WalCorruptError[] = [];
      expect(reopened.recover(OPTS, (e) => problems.push(e))).toBeUndefined();
      expect(problems).toHaveLength(1);
      expect(problems[0]!.code).toBe('ZTSDB_WAL_CORRUPT');
      expect(problems[0]!.message).toMatch(message);
      expect(problems[0]!.context).toMatchObject({ file: reopened.file, key: 'checkpoint.g/1/3' });
      await reopened.close();
      const env2 = openEnv(LocalLog.dirOf(dir.path, 3));
      await openBinaryDb(env2, 'imeta').put(key, good);
      await env2.close();
    }
    let reopened = LocalLog.open(dir.path, 3);
    expectSame(reopened.recover(OPTS, () => undefined)!.state, live);
    expect(reopened.lastSeq()).toBe(60);
    await reopened.close();
    // A damaged pointer: reported under `checkpoint`, and no sequence is read from it.
    const env = openEnv(LocalLog.dirOf(dir.path, 3));
    const meta = openBinaryDb(env, 'imeta');
    const pointer = Buffer.from(meta.get(Buffer.from('checkpoint'))!);
    pointer[30]! ^= 1;
    await meta.put(Buffer.from('checkpoint'), pointer);
    await env.close();
    reopened = LocalLog.open(dir.path, 3);
    const problems: WalCorruptError[] = [];
    expect(reopened.recover(OPTS, (e) => problems.push(e))).toBeUndefined();
    expect(problems.map((e) => [e.context.key, e.message])).toEqual([
      ['checkpoint', expect.stringMatching(/checkpoint: CRC-32C mismatch/)],
    ]);
    expect(reopened.lastSeq()).toBe(0);
    await reopened.close();
  });

  it('recovers a log of the layout before generations (pieces or one value, `ingest` apart) and moves it to generations', async () => {
    for (const [p, pieces] of [
      [4, true],
      [5, false],
    ] as const) {
      const live = new HotState(0, 3_600_000);
      const log = LocalLog.open(dir.path, p);
      await log.clear('s');
      await feed(log, live, 1, 60, pieces ? SERIES : 50);
      await log.close();
      // What the previous release's snapshot at 60 left: `checkpoint` (or its pieces) and
      // `ingest`; its WAL trim had not run.
      let env = openEnv(LocalLog.dirOf(dir.path, p));
      let meta = openBinaryDb(env, 'imeta');
      const held = live.heldList();
      live.head.restoreSealed(held);
      if (pieces) await putCheckpointParts(meta, 61, live.head);
      else await putCheckpoint(meta, 61, live.head);
      live.head.takeSealed();
      await meta.put(Buffer.from('ingest'), encodeExtras(live, held));
      expect(metaKeys(meta)).toContain(pieces ? 'legacy' : 'checkpoint');
      await env.close();

      const reopened = LocalLog.open(dir.path, p);
      expect(reopened.lastSeq()).toBe(60);
      const got = reopened.recover(OPTS, (e) => {
        throw e;
      })!;
      expect(got.replayedBatches).toBe(0);
      expectSame(got.state, live);
      await feed(reopened, live, 61, 70, pieces ? SERIES : 50);
      await reopened.snapshot(live);
      await reopened.close();
      env = openEnv(LocalLog.dirOf(dir.path, p));
      meta = openBinaryDb(env, 'imeta');
      expect(new Set(metaKeys(meta))).toEqual(new Set(['checkpoint', 'g1', 'stream']));
      await env.close();
      const again = LocalLog.open(dir.path, p);
      expectSame(again.recover(OPTS, () => undefined)!.state, live);
      await again.close();
    }
  });

  it('lets WAL writes issued during a checkpoint commit before its last transaction', async () => {
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 6);
    await log.clear('s');
    await feed(log, live, 1, 500, SERIES);
    await log.close();
    const image = await imageOf(live);
    const env = openEnv(LocalLog.dirOf(dir.path, 6));
    const meta = openBinaryDb(env, 'imeta');
    const wal = openBinaryDb(env, 'iwal');
    const order: string[] = [];
    let small: Promise<boolean> | undefined;
    const written = await writeGeneration(rawIo(env, meta), image, undefined, (t, of) => {
      order.push(`pieces ${t + 1}/${of}`);
      if (t === 0)
        small = wal.put(Buffer.from('small write'), Buffer.alloc(16 * 1024)).then((ok) => {
          order.push('small write');
          return ok;
        });
    });
    expect(await small).toBe(true);
    expect(written.transactions).toBeGreaterThanOrEqual(3);
    // Committed right after the transaction it was issued behind, long before the last one.
    expect(order.indexOf('small write')).toBeGreaterThan(0);
    expect(order.indexOf('small write')).toBeLessThan(order.length - 1);
    expect(order.indexOf('small write')).toBeLessThanOrEqual(2);
    await env.close();
  });

  it('encodes the pointer as documented and refuses a damaged one', () => {
    const p = {
      generation: 7,
      pieceBytes: CHECKPOINT_PART_BYTES,
      sumKind: 1,
      walSeq: 1234,
      checkpointBytes: 70_000,
      ingestBytes: 64,
      sums: Uint32Array.from([0xdeadbeef, 0x01020304]),
    };
    const b = encodePointer(p);
    expect(b.toString('hex')).toBe(
      '04000000' +
        b.subarray(4, 8).toString('hex') +
        '07000000' + // generation
        '00000100' + // piece bytes 65,536
        '02000000' + // pieces
        '01000000' + // CRC-32, reserved
        'd204000000000000' + // walSeq
        '7011010000000000' + // checkpoint bytes
        '4000000000000000' + // ingest bytes
        'efbeadde' +
        '04030201',
    );
    expect(b[0]).toBe(POINTER_VERSION);
    expect(decodePointer(b)).toEqual(p);
    const bad = Buffer.from(b);
    bad[20]! ^= 1; // a flipped bit: its CRC-32C
    expect(() => decodePointer(bad)).toThrow(/CRC-32C mismatch/);
    // Fields that disagree, each resealed so the CRC passes.
    expect(() => decodePointer(encodePointer({ ...p, sums: Uint32Array.from([1]) }))).toThrow(
      /of 1 pieces for 70064 bytes/,
    );
    expect(() => decodePointer(encodePointer({ ...p, generation: 0 }))).toThrow(/generation 0/);
    expect(() => decodePointer(encodePointer({ ...p, sumKind: 9 }))).toThrow(/checksum kind 9/);
    expect(() =>
      decodePointer(encodePointer({ ...p, checkpointBytes: 4, ingestBytes: 0 })),
    ).toThrow(/sizes out of range/);
    expect(() => decodePointer(b.subarray(0, 30))).toThrow(/CRC-32C mismatch|bytes/);
  });

  it('a piece boundary at the end of the image and an empty head round-trip; removeStalePieces keeps one generation', async () => {
    const env = openEnv(`${dir.path}/raw`);
    const meta = openBinaryDb(env, 'imeta');
    const io = rawIo(env, meta);
    const empty = new HotState(0, 3_600_000);
    const img = await imageOf(empty);
    expect(img.sums.length).toBe(1);
    await writeGeneration(io, img);
    await writeGeneration(io, img);
    expect(new Set(metaKeys(meta))).toEqual(new Set(['checkpoint', 'g1', 'g2']));
    expect(await removeStalePieces(io, 2, true)).toBe(1);
    expect(metaKeys(meta)).toEqual(['checkpoint', 'g2']);
    await env.close();
  });

  it('lays an image out into a kept scratch that holds another image, byte for byte as into fresh memory', async () => {
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 7);
    await log.clear('s');
    await feed(log, live, 1, 30, 500);
    const fresh = await imageOf(live);
    const scratch = new ImageScratch(64 * 1024 * 1024);
    const stale = scratch.take(fresh.bytes.length);
    stale.fill(0xa5);
    scratch.give(stale);
    const reused = await imageOf(live, scratch);
    expect(reused.backing).toBe(stale);
    expect(Buffer.compare(reused.bytes, fresh.bytes)).toBe(0);
    expect(Array.from(reused.sums)).toEqual(Array.from(fresh.sums));
    await log.close();
  });

  it('snapshots through a shared scratch: the memory is kept between snapshots and the log recovers', async () => {
    const live = new HotState(0, 3_600_000);
    const log = LocalLog.open(dir.path, 8);
    await log.clear('s');
    const scratch = new ImageScratch(64 * 1024 * 1024);
    const steps = { pause: () => Promise.resolve(), encoded: () => undefined, scratch };
    await feed(log, live, 1, 60, SERIES);
    await log.snapshot(live, steps);
    const kept = scratch.keptBytes;
    expect(kept).toBeGreaterThanOrEqual(log.snapshotBytes);
    // Its bytes are now the first image's: the second, half as large again at most, goes over them.
    await feed(log, live, 61, 65, SERIES);
    await log.snapshot(live, steps);
    expect(scratch.keptBytes).toBe(kept);
    // A head grown past the room: a larger buffer, kept in its place.
    await feed(log, live, 66, 110, SERIES);
    await log.snapshot(live, steps);
    expect(scratch.keptBytes).toBeGreaterThan(kept);
    await feed(log, live, 111, 115, SERIES);
    await log.close();

    const reopened = LocalLog.open(dir.path, 8);
    const problems: WalCorruptError[] = [];
    const got = reopened.recover(OPTS, (e) => problems.push(e))!;
    expect(problems).toEqual([]);
    expect(got.replayedBatches).toBe(5);
    expectSame(got.state, live);
    await reopened.close();
  });
});
