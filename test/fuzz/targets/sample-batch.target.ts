import {
  SAMPLE_BATCH_HEADER_BYTES,
  SAMPLE_BATCH_MAX_POINTS,
  decodeSampleBatch,
  encodeSampleBatch,
  encodeSampleBatchV2,
  encodeSampleBatchV3,
  type SampleBatch,
} from '@ztsdb/wire';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, sameFloats, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

function checkBatch(b: SampleBatch, length: number, version: number): void {
  check(b.count <= SAMPLE_BATCH_MAX_POINTS, `count ${b.count} above the maximum`);
  check(
    b.seriesIds.length === b.count &&
      b.timestamps.length === b.count &&
      b.values.length === b.count,
    'columns do not match the count',
  );
  // Version 3 can be a byte a point (cyclic series, one timestamp run, unchanged values).
  const perPoint = version === 3 ? 1 : 12;
  check(
    length >= SAMPLE_BATCH_HEADER_BYTES + b.count * perPoint + 4,
    'count not backed by the bytes',
  );
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
  if (inp.int(2) === 0) for (let i = 1; i < n; i++) if (ids[i] === ids[i - 1]) vs[i] = vs[i - 1]!;
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
  // Version 3 picks its mappings and value encoding from the data: the draws above make
  // cyclic, run and indexed columns; values repeated within a series make XOR pay.
  const cols = [BigUint64Array.from(ids), Float64Array.from(ts), Float64Array.from(vs)] as const;
  const v3 = encodeSampleBatchV3(header, cols[0], cols[1], cols[2], n);
  const v3raw = encodeSampleBatchV3(header, cols[0], cols[1], cols[2], n, 'raw');
  const messages: Uint8Array[] = [];
  for (const bytes of [v1, v2!, v3, v3raw]) {
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
  description: 'libs/wire decodeSampleBatch, versions 1, 2 and 3 (collector → ingestor messages)',
  run(data) {
    for (const msg of [data, withCrcLE(data, data.length - 4, 0)]) {
      const b = decodeOrTyped('decodeSampleBatch', () => decodeSampleBatch(msg));
      if (b) checkBatch(b, msg.length, msg[4]!);
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
      // Version 3: cyclic series and timestamp runs (an import), XOR values.
      encodeSampleBatchV3(
        h,
        BigUint64Array.of(1n, 2n, 3n, 1n, 2n, 3n, 1n),
        Float64Array.of(t0, t0, t0, t0 + 1000, t0 + 1000, t0 + 1000, t0 + 2000),
        Float64Array.of(4096, 8192, 0.5, 4096, 12288, 0.75, 4096),
        7,
      ),
      // Series runs and cyclic timestamps (a remote write), raw values.
      encodeSampleBatchV3(
        h,
        BigUint64Array.of(5n, 5n, 5n, 9n, 9n, 9n),
        Float64Array.of(t0, t0 + 15, t0 + 30, t0, t0 + 15, t0 + 30),
        Float64Array.of(NaN, -0, Infinity, 1e300, -1e-300, 3),
        6,
        'raw',
      ),
      // Indexed both ways (u8), and an empty batch.
      encodeSampleBatchV3(
        h,
        BigUint64Array.of(1n, 2n, 1n, 3n, 2n, 1n),
        Float64Array.of(t0, -t0, t0, 0, -t0, 0),
        Float64Array.of(1, 2, 1, 3, 2, 1),
        6,
      ),
      encodeSampleBatchV3(h, new BigUint64Array(0), new Float64Array(0), new Float64Array(0), 0),
      new Uint8Array(SAMPLE_BATCH_HEADER_BYTES + 4),
      new Uint8Array(0),
    ];
  },
};
