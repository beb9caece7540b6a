import { loadSettings } from '@ztsdb/config';
import { encodeSampleBatch, encodeSampleBatchV3, decodeSampleBatch } from '@ztsdb/wire';
import { partitionOf } from '@ztsdb/model';
import { checkBatch } from './batch-check';
import { checkRetention, parsePinned } from './startup-checks';

describe('ingestor settings and start checks', () => {
  it('reads its settings with durations', () => {
    const s = loadSettings({
      ZTSDB_CHUNK_MAX_AGE: '90m',
      ZTSDB_LEASE_TTL_MS: '2s',
      ZTSDB_INGESTOR_PARTITIONS: '0,2',
    });
    expect(s.ZTSDB_CHUNK_MAX_AGE).toBe(5_400_000);
    expect(s.ZTSDB_LEASE_TTL_MS).toBe(2000);
    expect(loadSettings({}).ZTSDB_CHUNK_MAX_AGE).toBe(7_200_000);
    expect(() => loadSettings({ ZTSDB_INGESTOR_PARTITIONS: 'one' })).toThrow(
      /ZTSDB_INGESTOR_PARTITIONS="one"/,
    );
    expect(() => loadSettings({ ZTSDB_CHUNK_MAX_AGE: 'soon' })).toThrow(
      /ZTSDB_CHUNK_MAX_AGE must be a duration/,
    );
  });

  it('pins partitions, refusing ones the deployment does not have', () => {
    expect(parsePinned('', 4)).toBeUndefined();
    expect(parsePinned(' 2, 0,2', 4)).toEqual([0, 2]);
    expect(() => parsePinned('0,4', 4)).toThrow(/names 4, but this deployment has partitions 0..3/);
  });

  it('refuses a samples stream that keeps messages for less than twice the chunk age', () => {
    expect(() => checkRetention(24 * 3600_000, 2 * 3600_000)).not.toThrow();
    expect(() => checkRetention(0, 2 * 3600_000)).not.toThrow();
    expect(() => checkRetention(3 * 3600_000, 2 * 3600_000)).toThrow(
      /keeps messages for 3 h, .* ZTSDB_CHUNK_MAX_AGE=2 h/,
    );
  });
});

describe('checkBatch', () => {
  const limits = { partitions: 4, minTimestampMs: 946_684_800_000, maxFutureMs: 86_400_000 };
  const now = 1_800_000_000_000;
  const ids = [1n, 5n, 0xfffffffffffffff9n, 0x1234567890abcdedn].filter(
    (id) => partitionOf(id, 4) === 1,
  );

  it('accepts a batch whose series all belong to its partition, within the time limits', () => {
    const b = decodeSampleBatch(
      encodeSampleBatch(
        { partition: 1, producerId: 1n, sequence: 1n },
        ids,
        ids.map(() => now),
        ids.map(() => 1),
      ),
    );
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(checkBatch(b, 1, limits, now)).toBeUndefined();
  });

  it('refuses a batch of another partition, a series of another partition, and absurd timestamps', () => {
    const enc = (p: number, list: bigint[], t: number) =>
      decodeSampleBatch(
        encodeSampleBatch(
          { partition: p, producerId: 1n, sequence: 1n },
          list,
          list.map(() => t),
          list.map(() => 1),
        ),
      );
    expect(checkBatch(enc(2, ids, now), 1, limits, now)?.[0]).toBe('ZTSDB_WRONG_PARTITION');
    const [code, why] = checkBatch(enc(1, [...ids, 2n], now), 1, limits, now)!;
    expect(code).toBe('ZTSDB_WRONG_PARTITION');
    expect(why).toMatch(/series 0000000000000002 \(point \d\) belongs to partition 2/);
    expect(checkBatch(enc(1, ids, now + 86_400_001), 1, limits, now)?.[0]).toBe(
      'ZTSDB_ABSURD_TIMESTAMP',
    );
    expect(checkBatch(enc(1, ids, 946_684_799_999), 1, limits, now)?.[0]).toBe(
      'ZTSDB_ABSURD_TIMESTAMP',
    );
    expect(checkBatch(enc(1, ids, now + 86_400_000), 1, limits, now)).toBeUndefined();
  });

  it('computes every series partition as id % partitions, for partition counts that are and are not powers of two', () => {
    const ids = [
      0n,
      1n,
      0xffffffffn,
      0x100000000n,
      0xfffffffffffffff9n,
      0xffffffffffffffffn,
      0x8000000080000001n,
      0x1234567890abcdefn,
    ];
    for (const partitions of [1, 2, 3, 4, 6, 7, 16, 1000]) {
      for (const id of ids) {
        const want = Number(id % BigInt(partitions));
        const b = decodeSampleBatch(
          encodeSampleBatch({ partition: want, producerId: 1n, sequence: 1n }, [id], [now], [1]),
        );
        expect(checkBatch(b, want, { ...limits, partitions }, now)).toBeUndefined();
        if (partitions === 1) continue;
        const other = (want + 1) % partitions;
        const wrong = decodeSampleBatch(
          encodeSampleBatch({ partition: other, producerId: 1n, sequence: 1n }, [id], [now], [1]),
        );
        expect(checkBatch(wrong, other, { ...limits, partitions }, now)?.[1]).toMatch(
          new RegExp(`belongs to partition ${want}, not ${other}`),
        );
      }
    }
  });

  it('checks a version 3 batch by its key table, naming the first point of a series in the wrong partition', () => {
    // Three ticks of the same series order: a cyclic table of keys, no index per point.
    const order = [...ids, 2n];
    const n = 3 * order.length;
    const enc = (list: bigint[]) =>
      decodeSampleBatch(
        encodeSampleBatchV3(
          { partition: 1, producerId: 1n, sequence: 1n },
          BigUint64Array.from({ length: n }, (_, i) => list[i % list.length]!),
          Float64Array.from({ length: n }, (_, i) => now + 1000 * Math.floor(i / list.length)),
          new Float64Array(n),
          n,
        ),
      );
    const good = enc(ids);
    expect(good.seriesKeys).toHaveLength(ids.length);
    expect(checkBatch(good, 1, limits, now + 3000)).toBeUndefined();
    const bad = enc(order);
    expect(bad.seriesKeys).toHaveLength(order.length);
    expect(checkBatch(bad, 1, limits, now + 3000)?.[1]).toBe(
      `series 0000000000000002 (point ${ids.length}) belongs to partition 2, not 1`,
    );
    expect(checkBatch(enc(ids), 1, limits, now - 86_400_000 - 1)?.[0]).toBe(
      'ZTSDB_ABSURD_TIMESTAMP',
    );
  });
});
