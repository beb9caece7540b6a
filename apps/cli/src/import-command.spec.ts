import { encodeSampleBatch } from '@ztsdb/wire';
import { pointsPerBatch } from './import-command';

describe('pointsPerBatch', () => {
  it('takes the full batch under the default max_payload, or when the server did not say', () => {
    expect(pointsPerBatch(1024 * 1024)).toBe(16384);
    expect(pointsPerBatch(undefined)).toBe(16384);
  });

  it('keeps even a version 1 batch within a small max_payload, headers included', () => {
    const maxPayload = 64 * 1024;
    const n = pointsPerBatch(maxPayload);
    expect(n).toBeLessThan(16384);
    const v1 = encodeSampleBatch(
      { partition: 0, producerId: 1n, sequence: 0n },
      new BigUint64Array(n),
      new Float64Array(n),
      new Float64Array(n),
    );
    expect(v1.length + 200).toBeLessThanOrEqual(maxPayload);
    expect(pointsPerBatch(100)).toBe(1);
  });
});
