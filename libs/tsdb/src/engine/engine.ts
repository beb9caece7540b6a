import { InvalidInputError } from '@ztsdb/errors';
import { checkPartitionCount, partitionOf } from '@ztsdb/model';
import { emptyPoints, mergeLatestWins, type Points } from '../encoding/points';
import { ClosedError, OutOfOrderError, Warnings } from '../errors';
import {
  DEFAULT_MAX_CHUNK_AGE_MS,
  DEFAULT_OOO_CAPACITY,
  DEFAULT_OOO_WINDOW_MS,
} from '../head/head';
import { MemSeries } from '../head/mem-series';
import { DEFAULT_COLD_BLOCK_POINTS, DEFAULT_COLD_WINDOW_MS } from '../tiers/cold-format';
import type { AppendBuffer } from './append-buffer';
import type { Appender, Querier } from './api';
import { compactToCold, compactToWarm } from './compaction';
import { EnginePartition } from './engine-partition';

export interface EngineOptions {
  /** Data dir: wal/p<n>/ (LMDB, docs/format/wal.md), warm/p<n>/, cold/p<n>/. */
  dir: string;
  /** Partition count (series id % partitions); default 4. Must stay the same for a data dir. */
  partitions?: number;
  /** Samples older than their series' newest minus this are refused (OutOfOrderError); default 10 min. */
  outOfOrderWindowMs?: number;
  /** A hot chunk is sealed once it spans this much time (or on sealByAge); default 2 h. */
  maxChunkAgeMs?: number;
  /** Out-of-order points per series kept before they become their own chunk; default 1024. */
  oooCapacity?: number;
  /** Time window of one cold file; default 2 h. */
  coldWindowMs?: number;
  /** Points per cold block; default 4096. */
  coldBlockPoints?: number;
  /** Bounded list of skipped damaged data; a fresh one by default. */
  warnings?: Warnings;
}

/**
 * The embedded storage engine (DESIGN.md's insert/query API) on the same
 * head, WAL and tiers as the ingestor and compactor: insert into a bounded
 * per-partition buffer, drained in batches of 4,096 (one WAL entry each, the
 * ingestor's LMDB format) into the head (HotState: hot Gorilla chunks, and
 * sealed chunks held until compaction); compactToWarm writes the held chunks
 * to warm segments, compactToCold merges warm segments into cold columnar
 * files. query() merges all tiers, latest write wins.
 */
export class Engine implements Appender, Querier {
  readonly warnings: Warnings;
  private readonly route = new Map<bigint, MemSeries>();
  private drainScheduled = false;
  private closed = false;
  /** Hot-path copies: the out-of-order window and each partition's buffer. */
  private readonly oooWindowMs: number;
  private readonly buffers: AppendBuffer[];
  /** The series of the last accepted insert (a placeholder before the first); see MemSeries.insertNext. */
  private lastInserted = new MemSeries(0n, -1, -1);

  private constructor(
    readonly options: Required<Omit<EngineOptions, 'warnings'>>,
    private readonly parts: EnginePartition[],
    warnings: Warnings,
  ) {
    this.warnings = warnings;
    this.oooWindowMs = options.outOfOrderWindowMs;
    this.buffers = parts.map((p) => p.buffer);
    for (const p of parts)
      for (const s of p.state.head.series) {
        this.route.set(s.id, s);
        p.buffer.noteSeries(s.slot, s.id);
      }
  }

  /** The write side alone. */
  appender(): Appender {
    return this;
  }

  /** The read side alone. */
  querier(): Querier {
    return this;
  }

  static async open(opts: EngineOptions): Promise<Engine> {
    const o = {
      dir: opts.dir,
      partitions: checkPartitionCount(opts.partitions ?? 4),
      outOfOrderWindowMs: opts.outOfOrderWindowMs ?? DEFAULT_OOO_WINDOW_MS,
      maxChunkAgeMs: opts.maxChunkAgeMs ?? DEFAULT_MAX_CHUNK_AGE_MS,
      oooCapacity: opts.oooCapacity ?? DEFAULT_OOO_CAPACITY,
      coldWindowMs: opts.coldWindowMs ?? DEFAULT_COLD_WINDOW_MS,
      coldBlockPoints: opts.coldBlockPoints ?? DEFAULT_COLD_BLOCK_POINTS,
    };
    for (const [k, v] of Object.entries(o)) {
      if (
        k !== 'dir' &&
        !(typeof v === 'number' && v >= 0 && (Number.isSafeInteger(v) || v === Infinity))
      ) {
        throw new InvalidInputError(
          'ZTSDB_BAD_OPTION',
          `engine option ${k} must be a non-negative integer, got ${String(v)}`,
        );
      }
    }
    if (
      o.coldWindowMs < 1 ||
      o.coldBlockPoints < 1 ||
      o.oooCapacity < 1 ||
      !Number.isFinite(o.coldWindowMs)
    ) {
      throw new InvalidInputError(
        'ZTSDB_BAD_OPTION',
        'coldWindowMs, coldBlockPoints and oooCapacity must be at least 1',
      );
    }
    const warnings = opts.warnings ?? new Warnings();
    const parts: EnginePartition[] = [];
    try {
      for (let i = 0; i < o.partitions; i++) {
        parts.push(await EnginePartition.open({ ...o, partition: i, onSkip: warnings.sink }));
      }
      await checkPartitionsRecorded(parts[0]!, o.partitions);
    } catch (err) {
      for (const p of parts) await p.close().catch(() => undefined);
      throw err;
    }
    return new Engine(o, parts, warnings);
  }

  /**
   * Buffers one sample. Returns false when the partition's buffer is full
   * (retry after the engine drained it: await a turn, or call drain()).
   * Throws OutOfOrderError for a sample older than the series' newest minus
   * the out-of-order window, InvalidInputError for a bad timestamp or id.
   */
  insert(seriesId: bigint, timestampMs: number, value: number): boolean {
    const prev = this.lastInserted;
    let s = prev.insertNext;
    if (s === null || s.id !== seriesId) {
      s = this.route.get(seriesId) ?? this.newSeries(seriesId);
      prev.insertNext = s;
    }
    if (!Number.isSafeInteger(timestampMs)) {
      throw new InvalidInputError(
        'ZTSDB_BAD_TIMESTAMP',
        `timestamp must be integer ms, got ${timestampMs}`,
        { seriesId },
      );
    }
    if (timestampMs < s.maxSeen - this.oooWindowMs) {
      throw new OutOfOrderError(
        `sample at ${timestampMs} is more than ${this.options.outOfOrderWindowMs} ms older than the newest (${s.maxSeen})`,
        { seriesId, timestamp: timestampMs, newest: s.maxSeen },
      );
    }
    if (this.closed) throw new ClosedError('engine');
    if (!this.buffers[s.partition]!.push(s.slot, timestampMs, value)) return false;
    this.lastInserted = s;
    if (timestampMs > s.maxSeen) s.maxSeen = timestampMs;
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drainTick);
    }
    return true;
  }

  /** A series insert has not seen before: checks the id and creates it in its partition's head. */
  private newSeries(seriesId: bigint): MemSeries {
    if (this.closed) throw new ClosedError('engine');
    if (typeof seriesId !== 'bigint' || seriesId < 0n || seriesId > 0xffffffffffffffffn) {
      throw new InvalidInputError(
        'ZTSDB_BAD_SERIES_ID',
        `series id must be a u64 bigint, got ${String(seriesId)}`,
      );
    }
    const p = this.parts[partitionOf(seriesId, this.parts.length)]!;
    const s = p.state.head.getOrCreate(seriesId);
    p.buffer.noteSeries(s.slot, seriesId);
    this.route.set(seriesId, s);
    return s;
  }

  private readonly drainTick = (): void => {
    this.drainScheduled = false;
    if (!this.closed) this.drain();
  };

  /** Moves every buffered sample into the heads now (WAL entries are queued, not yet durable). */
  drain(): number {
    let n = 0;
    for (const p of this.parts) n += p.drain();
    return n;
  }

  /** Points of one series in [startMs, endMs] from every tier, ascending, one value per timestamp. */
  query(seriesId: bigint, startMs: number, endMs: number): Points {
    if (this.closed) throw new ClosedError('engine');
    if (typeof seriesId !== 'bigint' || seriesId < 0n || seriesId > 0xffffffffffffffffn) {
      throw new InvalidInputError(
        'ZTSDB_BAD_SERIES_ID',
        `series id must be a u64 bigint, got ${String(seriesId)}`,
      );
    }
    if (Number.isNaN(startMs) || Number.isNaN(endMs)) {
      throw new InvalidInputError(
        'ZTSDB_BAD_RANGE',
        `range bounds must be numbers, got [${startMs}, ${endMs}]`,
      );
    }
    if (endMs < startMs) return emptyPoints();
    const p = this.parts[partitionOf(seriesId, this.parts.length)]!;
    return mergeLatestWins(p.sources(seriesId, startMs, endMs));
  }

  /** Everything inserted so far is durable in the WAL when this resolves. */
  async flush(): Promise<void> {
    if (this.closed) throw new ClosedError('engine');
    await Promise.all(this.parts.map((p) => p.flush()));
  }

  /** Seals hot chunks older than the maximum chunk age at `nowMs` (data time; Infinity seals all). */
  sealByAge(nowMs: number = Date.now()): number {
    let n = 0;
    for (const p of this.parts) n += p.sealByAge(nowMs);
    return n;
  }

  /** Snapshots every head and truncates the WALs. */
  async checkpoint(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.runExclusive(() => p.snapshot())));
  }

  /** Moves sealed chunks of every partition into warm segments; returns the new file names. */
  async compactToWarm(): Promise<string[]> {
    const names = await Promise.all(this.parts.map((p) => compactToWarm(p)));
    return names.filter((n): n is string => n !== null);
  }

  /** Merges warm segments into cold files; returns the new file names. */
  async compactToCold(): Promise<string[]> {
    return (await Promise.all(this.parts.map((p) => compactToCold(p)))).flat();
  }

  /** sealByAge(nowMs), then compactToWarm, then (if `cold`) compactToCold. */
  async compact(opts: { nowMs?: number; cold?: boolean } = {}): Promise<void> {
    this.sealByAge(opts.nowMs ?? Date.now());
    await this.compactToWarm();
    if (opts.cold) await this.compactToCold();
  }

  /** Lower-level access for services (ingestor, compactor) and tests. */
  partition(n: number): EnginePartition {
    const p = this.parts[n];
    if (!p)
      throw new InvalidInputError(
        'ZTSDB_BAD_PARTITION',
        `no partition ${n} (of ${this.parts.length})`,
      );
    return p;
  }

  get partitionCount(): number {
    return this.parts.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.parts) await p.close();
  }
}

const PARTITIONS_KEY = 'partitions';

/** The partition count is fixed per data dir: record it once, refuse a different one later. */
async function checkPartitionsRecorded(p0: EnginePartition, partitions: number): Promise<void> {
  const v = p0.log.metaValue(PARTITIONS_KEY);
  if (v === undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(partitions);
    await p0.log.putMetaValue(PARTITIONS_KEY, b);
    return;
  }
  const recorded = v.length === 4 ? v.readUInt32LE(0) : -1;
  if (recorded !== partitions) {
    throw new InvalidInputError(
      'ZTSDB_PARTITIONS_CHANGED',
      `data dir was created with ${recorded} partitions, opened with ${partitions}`,
      {
        recorded,
        partitions,
      },
    );
  }
}
