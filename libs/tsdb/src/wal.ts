import * as fs from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { ZtsdbError } from '@ztsdb/errors';
import { WalCorruptError, type SkipSink } from './errors';
import { seqFromKey, seqKey } from './lmdb-keys';
import { decodeWalRecord, type WalRecord } from './wal-record';

export type WalDb = Database<Buffer, Buffer>;

/** Opens a named LMDB database with binary keys and values. */
export function openBinaryDb(root: RootDatabase, name: string): WalDb {
  return root.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
}

/** Opens (creating the directory) an LMDB environment for ztsdb data. Never noSync. */
export function openEnv(dir: string): RootDatabase {
  fs.mkdirSync(dir, { recursive: true });
  return open({ path: `${dir}/data.mdb`, maxDbs: 8, noSubdir: true, compression: false });
}

export interface ReplayResult {
  /** Records handed to the callback. */
  records: number;
  /** Damaged records skipped (each also reported to the skip sink). */
  skipped: WalCorruptError[];
  /** Sequence of the last record seen, 0 when none. */
  lastSeq: number;
}

/**
 * Write-ahead log in an LMDB database: key = sequence (u64 big-endian),
 * value = one record (wal-record.ts). lmdb-js puts all writes of one
 * event-loop turn into one transaction; append() returns the commit promise,
 * appendBatch() resolves only once LMDB has flushed the batch to disk.
 */
export class Wal {
  private nextSeq: number;
  private ownEnv: RootDatabase | null = null;

  constructor(
    readonly db: WalDb,
    opts: { minNextSeq?: number } = {},
  ) {
    let last = 0;
    for (const key of db.getKeys({ reverse: true, limit: 1 })) last = seqFromKey(key);
    this.nextSeq = Math.max(last + 1, opts.minNextSeq ?? 1);
  }

  /** A WAL in its own LMDB environment under `dir`. */
  static openDir(dir: string): Wal {
    const env = openEnv(dir);
    const wal = new Wal(openBinaryDb(env, 'wal'));
    wal.ownEnv = env;
    return wal;
  }

  /** Sequence the next append gets. */
  get next(): number {
    return this.nextSeq;
  }

  /** Queues one record in this turn's transaction; `committed` resolves when visible (not yet durable). */
  append(record: Uint8Array): { seq: number; committed: Promise<boolean> } {
    const seq = this.nextSeq++;
    return {
      seq,
      committed: this.db.put(
        seqKey(seq),
        Buffer.from(record.buffer, record.byteOffset, record.byteLength),
      ),
    };
  }

  /** Appends records in one transaction and resolves once they are flushed to disk. */
  async appendBatch(records: readonly Uint8Array[]): Promise<{ first: number; last: number }> {
    const first = this.nextSeq;
    let last = first - 1;
    let committed: Promise<boolean> | undefined;
    for (const r of records) {
      const a = this.append(r);
      last = a.seq;
      committed = a.committed;
    }
    if (committed) await committed;
    await this.db.flushed;
    return { first, last };
  }

  /** Resolves once every write so far is on disk. */
  async sync(): Promise<void> {
    await this.db.flushed;
  }

  /**
   * Calls `fn` for each record with sequence >= fromSeq, in order. A damaged
   * record is reported (WalCorruptError with its key) and skipped.
   */
  replay(
    fromSeq: number,
    fn: (seq: number, record: WalRecord) => void,
    onSkip?: SkipSink,
  ): ReplayResult {
    const result: ReplayResult = { records: 0, skipped: [], lastSeq: 0 };
    for (const { key, value } of this.db.getRange({ start: seqKey(fromSeq), snapshot: false })) {
      const seq = seqFromKey(key);
      result.lastSeq = seq;
      let rec: WalRecord;
      try {
        rec = decodeWalRecord(value, seq);
      } catch (err) {
        const e =
          err instanceof WalCorruptError
            ? err
            : new WalCorruptError(
                `WAL record ${seq}: ${String(err)}`,
                { key: seq },
                { cause: err },
              );
        result.skipped.push(e);
        onSkip?.(e as ZtsdbError);
        continue;
      }
      fn(seq, rec);
      result.records++;
    }
    return result;
  }

  /** Removes every record with sequence < seq (one transaction); resolves when durable. */
  async truncateBefore(seq: number): Promise<number> {
    let n = 0;
    let last: Promise<boolean> | undefined;
    for (const key of this.db.getKeys({ end: seqKey(seq), snapshot: false })) {
      last = this.db.remove(key);
      n++;
    }
    if (last) await last;
    await this.db.flushed;
    return n;
  }

  /** Number of records held. */
  count(): number {
    return this.db.getKeysCount();
  }

  async close(): Promise<void> {
    await this.db.flushed;
    if (this.ownEnv) {
      await this.ownEnv.close();
      this.ownEnv = null;
    }
  }
}
