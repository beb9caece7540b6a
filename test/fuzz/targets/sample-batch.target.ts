import {
  SAMPLE_BATCH_HEADER_BYTES,
  SAMPLE_BATCH_MAX_POINTS,
  decodeSampleBatch,
  encodeSampleBatch,
  encodeSampleBatchV2,
  type SampleBatch,
} from '@ztsdb/wire';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, sameFloats, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

function checkBatch(b: SampleBatch, length: number): void {
  check(b.count <= SAMPLE_BATCH_MAX_POINTS, `count ${b.count} above the maximum`);
  check(
    b.seriesIds.length === b.count &&
      b.timestamps.length === b.count &&
      b.values.length === b.count,
    'columns do not match the count',
  );
  check(length >= SAMPLE_BATCH_HEADER_BYTES + b.count * 12 + 4, 'count not backed by the bytes');
}

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const n = inp.int(64);
  const ids: bigint[] = [];
  const vs: number[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(inp.u64());
    vs.push(inp.value());
  }
  // Version 2 indexes repeated ids and timestamps: draw some of them from earlier points.
  for (let i = 1; i < n; i++) if (inp.int(2) === 0) ids[i] = ids[inp.int(i - 1)]!;
  const ts = inp.timestamps(n).map((t, i) => (i % 3 === 2 ? -t : t));
  for (let i = 1; i < n; i++) if (inp.int(2) === 0) ts[i] = ts[i - 1]!;
  const header = { partition: inp.u16(), producerId: inp.u64(), sequence: inp.u64() };
  const v1 = encodeSampleBatch(header, ids, ts, vs);
  const v2 = encodeSampleBatchV2(
    header,
    BigUint64Array.from(ids),
    Float64Array.from(ts),
    Float64Array.from(vs),
    n,
  );
  check(v2 !== undefined, 'version 2 refused a small batch');
  const messages: Uint8Array[] = [];
  for (const bytes of [v1, v2!]) {
    // An unaligned copy exercises the decoder's copy path.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    messages.push(bytes, shifted);
  }
  for (const msg of messages) {
    const b = decodeSampleBatch(msg);
    check(
      b.partition === header.partition &&
        b.producerId === header.producerId &&
        b.sequence === header.sequence &&
        b.count === n,
      'header does not round-trip',
    );
    check(
      [...b.seriesIds].every((id, i) => id === ids[i]),
      'series ids do not round-trip',
    );
    check(sameFloats(b.timestamps, ts), 'timestamps do not round-trip');
    check(sameFloats(b.values, vs), 'values do not round-trip');
  }
}

export const sampleBatchTarget: FuzzTarget = {
  name: 'sample-batch',
  description: 'libs/wire decodeSampleBatch, versions 1 and 2 (collector → ingestor messages)',
  run(data) {
    for (const msg of [data, withCrcLE(data, data.length - 4, 0)]) {
      const b = decodeOrTyped('decodeSampleBatch', () => decodeSampleBatch(msg));
      if (b) checkBatch(b, msg.length);
    }
    roundTrip(data);
  },
  seeds() {
    const h = { partition: 3, producerId: 0x1234n, sequence: 7n };
    const t0 = 1_700_000_000_000;
    return [
      encodeSampleBatch(h, [], [], []),
      encodeSampleBatch(h, [1n, 2n, 3n], [t0, t0 + 1000, t0 + 2000], [0.5, -0, NaN]),
      encodeSampleBatch(h, [2n ** 64n - 1n], [-t0], [Infinity]),
      encodeSampleBatchV2(
        h,
        BigUint64Array.of(1n, 2n, 1n, 2n),
        Float64Array.of(t0, t0, t0 + 1000, t0 + 1000),
        Float64Array.of(0.5, 1, NaN, -0),
        4,
      )!,
      encodeSampleBatchV2(h, new BigUint64Array(0), new Float64Array(0), new Float64Array(0), 0)!,
      new Uint8Array(SAMPLE_BATCH_HEADER_BYTES + 4),
      new Uint8Array(0),
    ];
  },
};
