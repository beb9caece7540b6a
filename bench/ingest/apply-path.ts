/**
 * The ingestor's CPU per sample without NATS: a CSV (`series,timestamp_ms,value`, as the
 * peers generator writes it) is grouped and encoded exactly as `ztsdb import` sends it
 * (PartitionGroups → BatchBuilder, 16,384-point batches, sample batch version 3), kept in
 * memory, then fed in stream order through what the ingestor does with each message: decode
 * and check (partition-consumer.ts), then the series slots and the head's apply
 * (apply-queue.ts), one HotState per partition. CPU of each phase from process.cpuUsage, in
 * ns per sample; ROUNDS fresh heads, the median per phase. With WAL=1 each message is also
 * written to a LocalLog (LMDB, a temporary dir) and every 8 messages wait for `flushed`
 * (the process's CPU, LMDB's thread included, is then the "wal" phase).
 *
 *   node dist/bench/ingest/apply-path.js FILE [ROUNDS=5] [PARTITIONS=4]
 *
 * The last line is a JSON object.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { partitionOf, seriesId } from '@ztsdb/model';
import { BatchBuilder, PartitionGroups } from '@ztsdb/producer';
import { HotState, LocalLog } from '@ztsdb/tsdb';
import { decodeSampleBatch } from '@ztsdb/wire';
import { checkBatch } from '../../apps/ingestor/src/batch-check';
import { KeySlots } from '../../apps/ingestor/src/key-slots';

const BATCH = 16384;
/** As apply-queue.ts: the ids are not read when the slots are given. */
const NO_IDS = new BigUint64Array(0);

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

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

interface Phases {
  decode: number;
  check: number;
  apply: number;
  wal: number;
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
): Promise<Omit<Phases, 'total'> & { sealed: number }> {
  const states = Array.from({ length: partitions }, (_, p) => new HotState(p, 2 * 3600_000));
  const slots = Array.from({ length: partitions }, () => new KeySlots());
  const limits = { partitions, minTimestampMs: 946_684_800_000, maxFutureMs: 3600_000 };
  const dir = withWal ? fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-apply-path-')) : '';
  const logs = withWal ? states.map((_, p) => LocalLog.open(dir, p)) : [];
  const seqs = new Array<number>(partitions).fill(0);
  const t = { decode: 0, check: 0, apply: 0, wal: 0 };
  let sealed = 0;
  const now = Date.now();
  try {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const seq = ++seqs[m.partition]!;
      const t0 = cpuNs();
      const batch = decodeSampleBatch(m.data);
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
      const known = slots[m.partition]!.resolve(
        state.head,
        batch.producerId,
        batch.seriesKeys!,
        batch.seriesKeyIndex!,
        batch.count,
      );
      sealed += state.apply(
        seq,
        NO_IDS,
        batch.timestamps,
        batch.values,
        batch.count,
        undefined,
        known,
      ).length;
      const t4 = cpuNs();
      t.decode += t1 - t0;
      t.check += t2 - t1;
      t.wal += t3 - t2;
      t.apply += t4 - t3;
    }
  } finally {
    for (const l of logs) await l.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  return { ...t, sealed };
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
  const { messages, samples } = encodeFile(file, partitions);
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
      total: per(x.decode + x.check + x.apply + x.wal),
    };
    runs.push(p);
    console.log(
      `round ${r + 1}: ns/sample decode ${p.decode} check ${p.check} apply ${p.apply}${withWal ? ` wal ${p.wal}` : ''} total ${p.total}; ${x.sealed} chunks sealed`,
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
    total: median('total'),
  };
  console.log(
    `median ns/sample: decode ${out.decode}, check ${out.check}, apply ${out.apply}${withWal ? `, wal ${out.wal}` : ''}, total ${out.total}`,
  );
  console.log(JSON.stringify(out));
}

void main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
