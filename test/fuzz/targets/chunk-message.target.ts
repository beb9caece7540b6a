import { encodeChunk } from '@ztsdb/chunkenc';
import { encodeWarmSegment } from '@ztsdb/tsdb';
import { decodeChunkMessage, encodeChunkMessage, type ChunkMessage } from '@ztsdb/wire';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const n = inp.int(200);
  const ts = inp.timestamps(n);
  const m: ChunkMessage = {
    partition: inp.u16(),
    seriesId: inp.u64(),
    minT: ts[0] ?? 0,
    maxT: ts[n - 1] ?? 0,
    count: n,
    chunk: encodeChunk(
      ts,
      ts.map(() => inp.value()),
    ),
  };
  const d = decodeChunkMessage(encodeChunkMessage(m));
  check(
    d.partition === m.partition &&
      d.seriesId === m.seriesId &&
      d.minT === m.minT &&
      d.maxT === m.maxT &&
      d.count === m.count &&
      Buffer.from(d.chunk).equals(Buffer.from(m.chunk)),
    'chunk message does not round-trip',
  );
}

export const chunkMessageTarget: FuzzTarget = {
  name: 'chunk-message',
  description: 'libs/wire decodeChunkMessage (ingestor → compactor messages)',
  run(data) {
    for (const msg of [data, withCrcLE(data, data.length - 4, 0)]) {
      const m = decodeOrTyped('decodeChunkMessage', () => decodeChunkMessage(msg));
      if (m) {
        check(m.chunk.length + 44 === msg.length, 'chunk length not backed by the bytes');
        // What the compactor does with it: a chunk that decodes here must go into a warm file.
        const sealed = { ...m, version: 1, bytes: m.chunk };
        check(
          decodeOrTyped('encodeWarmSegment', () => encodeWarmSegment(m.partition, [sealed])) !==
            undefined,
          'a decoded chunk message cannot be written into a warm file',
        );
      }
    }
    roundTrip(data);
  },
  seeds() {
    const t0 = 1_700_000_000_000;
    const chunk = encodeChunk([t0, t0 + 1000, t0 + 2000], [1, 1.5, 2]);
    return [
      encodeChunkMessage({
        partition: 1,
        seriesId: 42n,
        minT: t0,
        maxT: t0 + 2000,
        count: 3,
        chunk,
      }),
      encodeChunkMessage({
        partition: 0,
        seriesId: 0n,
        minT: 0,
        maxT: 0,
        count: 0,
        chunk: encodeChunk([], []),
      }),
      encodeChunkMessage({
        partition: 0,
        seriesId: 1n,
        minT: 0,
        maxT: 0,
        count: 3,
        chunk: Uint8Array.of(1, 0, 3, 0, 0, 0, 0, 0),
      }),
      new Uint8Array(44),
    ];
  },
};
