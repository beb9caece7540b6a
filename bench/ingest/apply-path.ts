/**
 * The ingestor's CPU per sample without NATS: a CSV (`series,timestamp_ms,value`, as the
 * peers generator writes it) is grouped and encoded exactly as `ztsdb import` sends it
 * (PartitionGroups → BatchBuilder, 16,384-point batches, sample batch version 3), kept in
 * memory, then fed in stream order through what the ingestor does with each message: decode
 * and check (partition-consumer.ts), then the series slots and the head's apply
 * (apply-queue.ts), one HotState per partition. CPU of each phase from process.cpuUsage, in
 * ns per sample; ROUNDS fresh heads, the median per phase. With WAL=1 each message is also
 * written to a LocalLog (LMDB, a temporary dir) and every 8 messages wait for `flushed`
 * (the process's CPU, LMDB's thread included, is then the "wal" phase), and a partition whose
 * batches since its last snapshot reach 16 MiB (ZTSDB_WAL_MAX_BYTES / 4, as the ingestor's
 * consumer asks) is snapshotted (the "snapshot" phase).
 *
 * FILE `hosts:H[:TICKS]` instead of a CSV: bench:ingest's producers (H hosts × 100 containers
 * × 10 metrics, batches of one host and partition per tick in BENCH_BATCH_VERSION as
 * bench:ingest sends them (default 3), TICKS ticks, default 30). Each message lies at an offset
 * of 4 mod 8 in a buffer of its own, as the NATS client hands messages over (subarrays of its
 * read buffer, at any offset), and is decoded into a ColumnPool's columns given back after the
 * apply, as the ingestor's consumer and apply queue do.
 *
 *   node dist/bench/ingest/apply-path.js FILE|hosts:H[:TICKS] [ROUNDS=5] [PARTITIONS=4]
 *
 * The last line is a JSON object.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { partitionOf, seriesId } from '@ztsdb/model';
import { BatchBuilder, PartitionGroups } from '@ztsdb/producer';
import { HotState, LocalLog } from '@ztsdb/tsdb';
import { ColumnPool, decodeSampleBatch } from '@ztsdb/wire';
import { checkBatch } from '../../apps/ingestor/src/batch-check';
import { KeySlots } from '../../apps/ingestor/src/key-slots';
import { encodeBatch } from './batch-version';

const BATCH = 16384;
/** ZTSDB_WAL_MAX_BYTES / 4 (its default): the consumer asks for a snapshot after this many batch bytes. */
const SNAPSHOT_AFTER_BYTES = (64 * 1024 * 1024) / 4;

interface Message {
  partition: number;
  data: Uint8Array;
}

/** The CSV as the import would send it: messages in publish order. */
function encodeFile(file: string, partitions: number): { messages: Message[]; samples: number } {
  const text = fs.readFileSync(file, 'utf8');
  const groups = new PartitionGroups(partitions, BATCH);
  const builder = new BatchBuilder(3);
  const known = new Map<string, { lo: number; hi: number; p: number }>();
  const messages: Message[] = [];
  let samples = 0;
  const flush = (p: number): void => {
    const cols = groups.takePartition(p);
    if (cols.count === 0) return;
    const b = builder.build(cols);
    groups.recycle(cols);
    messages.push({ partition: p, data: b.data });
  };
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const line = text.slice(start, nl);
    start = nl + 1;
    const c1 = line.indexOf(',');
    const c2 = line.indexOf(',', c1 + 1);
    if (c1 < 0 || c2 < 0 || line.startsWith('series')) continue;
    const name = line.slice(0, c1);
    let k = known.get(name);
    if (k === undefined) {
      const id = seriesId(name);
      k = { lo: Number(id & 0xffffffffn), hi: Number(id >> 32n), p: partitionOf(id, partitions) };
      known.set(name, k);
    }
    groups.addWords(k.p, k.lo, k.hi, Number(line.slice(c1 + 1, c2)), Number(line.slice(c2 + 1)));
    samples++;
    if (groups.count(k.p) === BATCH) flush(k.p);
  }
  for (let p = 0; p < partitions; p++) flush(p);
  return { messages, samples };
}

/**
 * bench:ingest's workload (bench/ingest/main.ts): `hosts` hosts × 100 containers × 10
 * metrics, per tick one version 1 batch per host and partition, values a random walk kept to
 * two decimals (a fixed seed), data time one second a tick.
 */
function syntheticHosts(
  hosts: number,
  ticks: number,
  partitions: number,
): { messages: Message[]; samples: number } {
  let seed = 42;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const per = [];
  for (let h = 0; h < hosts; h++) {
    const ids: bigint[][] = Array.from({ length: partitions }, () => []);
    for (let c = 0; c < 100; c++) {
      const cid = (h * 100 + c).toString(16).padStart(12, '0');
      for (let m = 0; m < 10; m++) {
        const id = seriesId(`container.metric${m}.${cid}`);
        ids[partitionOf(id, partitions)]!.push(id);
      }
    }
    per.push(ids.map((x) => BigUint64Array.from(x)));
  }
  const walk = per.map((h) => h.map((ids) => Float64Array.from(ids, (_, i) => (i % 97) * 10)));
  const t0 = Date.now() - 10_000;
  const messages: Message[] = [];
  let samples = 0;
  for (let tick = 0; tick < ticks; tick++) {
    for (let h = 0; h < hosts; h++)
      for (let p = 0; p < partitions; p++) {
        const ids = per[h]![p]!;
        const w = walk[h]![p]!;
        const vs = new Float64Array(ids.length);
        for (let i = 0; i < ids.length; i++)
          vs[i] = w[i] = Math.max(0, Math.round((w[i]! + (random() - 0.5) * 2) * 100) / 100);
        const ts = new Float64Array(ids.length).fill(t0 + tick * 1000);
        const header = { partition: p, producerId: BigInt(h + 1), sequence: BigInt(tick) };
        const data = encodeBatch(header, ids, ts, vs);
        // Not 8-aligned, as a message from the NATS client mostly is.
        const at = new Uint8Array(data.length + 4).subarray(4);
        at.set(data);
        messages.push({ partition: p, data: at });
        samples += ids.length;
      }
  }
  return { messages, samples };
}

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

interface Phases {
  decode: number;
  check: number;
  apply: number;
  wal: number;
  snapshot: number;
  total: number;
}

/**
 * One pass over the messages with fresh heads, message by message as the ingestor goes (so
 * each batch is checked and applied while its decoded columns are in the cache). With the
 * WAL every 8th message waits for the writes to be durable.
 */
async function round(
  messages: Message[],
  partitions: number,
  withWal: boolean,
): Promise<Omit<Phases, 'total'> & { sealed: number; snapshots: number }> {
  const states = Array.from({ length: partitions }, (_, p) => new HotState(p, 2 * 3600_000));
  const slots = Array.from({ length: partitions }, () => new KeySlots());
  const limits = { partitions, minTimestampMs: 946_684_800_000, maxFutureMs: 3600_000 };
  const dir = withWal ? fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-apply-path-')) : '';
  const logs = withWal ? states.map((_, p) => LocalLog.open(dir, p)) : [];
  const seqs = new Array<number>(partitions).fill(0);
  const pools = states.map(() => new ColumnPool());
  const t = { decode: 0, check: 0, apply: 0, wal: 0, snapshot: 0 };
  let snapshots = 0;
  let sealed = 0;
  const now = Date.now();
  try {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const seq = ++seqs[m.partition]!;
      const t0 = cpuNs();
      const batch = decodeSampleBatch(m.data, pools[m.partition]);
      const t1 = cpuNs();
      const bad = checkBatch(batch, m.partition, limits, now);
      if (bad) throw new Error(`refused: ${bad[1]}`);
      const t2 = cpuNs();
      if (withWal) {
        const put = logs[m.partition]!.putBatch(seq, m.data);
        if (i % 8 === 7 || i === messages.length - 1) {
          await put;
          await Promise.all(logs.map((l) => l.flushed()));
        }
      }
      const t3 = cpuNs();
      const state = states[m.partition]!;
      // As apply-queue.ts: by the key table's slots (version 3) or by the per-point ids.
      const queued = state.unpublishedCount;
      slots[m.partition]!.apply(state, seq, batch);
      pools[m.partition]!.release(batch);
      sealed += state.unpublishedCount - queued;
      const t4 = cpuNs();
      if (withWal && logs[m.partition]!.batchBytes >= SNAPSHOT_AFTER_BYTES) {
        await logs[m.partition]!.snapshot(state);
        snapshots++;
      }
      const t5 = cpuNs();
      t.decode += t1 - t0;
      t.check += t2 - t1;
      t.wal += t3 - t2;
      t.apply += t4 - t3;
      t.snapshot += t5 - t4;
    }
  } finally {
    for (const l of logs) await l.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  return { ...t, sealed, snapshots };
}

async function main(): Promise<void> {
  const [file, roundsArg, partsArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: apply-path.js FILE [ROUNDS=5] [PARTITIONS=4]\n');
    process.exit(2);
  }
  const rounds = Number(roundsArg ?? 5);
  const partitions = Number(partsArg ?? 4);
  const withWal = process.env.WAL === '1';
  const synthetic = /^hosts:(\d+)(?::(\d+))?$/.exec(file);
  const { messages, samples } = synthetic
    ? syntheticHosts(Number(synthetic[1]), Number(synthetic[2] ?? 30), partitions)
    : encodeFile(file, partitions);
  const bytes = messages.reduce((n, m) => n + m.data.length, 0);
  console.log(
    `${samples} samples in ${messages.length} batches (${(bytes / samples).toFixed(2)} B/sample)${withWal ? ', with the WAL' : ''}`,
  );
  const runs: Phases[] = [];
  for (let r = 0; r < rounds; r++) {
    const x = await round(messages, partitions, withWal);
    const per = (ns: number): number => Math.round((ns / samples) * 10) / 10;
    const p = {
      decode: per(x.decode),
      check: per(x.check),
      apply: per(x.apply),
      wal: per(x.wal),
      snapshot: per(x.snapshot),
      total: per(x.decode + x.check + x.apply + x.wal + x.snapshot),
    };
    runs.push(p);
    console.log(
      `round ${r + 1}: ns/sample decode ${p.decode} check ${p.check} apply ${p.apply}${withWal ? ` wal ${p.wal} snapshot ${p.snapshot}` : ''} total ${p.total}; ${x.sealed} chunks sealed${withWal ? `, ${x.snapshots} snapshots` : ''}`,
    );
  }
  const median = (k: keyof Phases): number => {
    const v = runs.map((r) => r[k]).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)]!;
  };
  const out = {
    samples,
    batches: messages.length,
    decode: median('decode'),
    check: median('check'),
    apply: median('apply'),
    wal: median('wal'),
    snapshot: median('snapshot'),
    total: median('total'),
  };
  console.log(
    `median ns/sample: decode ${out.decode}, check ${out.check}, apply ${out.apply}${withWal ? `, wal ${out.wal}, snapshot ${out.snapshot}` : ''}, total ${out.total}`,
  );
  console.log(JSON.stringify(out));
}

void main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
