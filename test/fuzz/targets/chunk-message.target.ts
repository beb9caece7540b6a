import { encodeChunk } from '@ztsdb/chunkenc';
import { decodeChunkMessage, encodeChunkMessage, type ChunkMessage } from '@ztsdb/wire';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const m: ChunkMessage = {
    partition: inp.u16(),
    seriesId: inp.u64(),
    minT: inp.u32() * (inp.u8() & 1 ? -1 : 1) * 1000,
    maxT: inp.u32() * 1000,
    count: inp.u32(),
    chunk: data.subarray(Math.min(data.length, 24), Math.min(data.length, 24 + inp.int(4096))),
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
      if (m) check(m.chunk.length + 44 === msg.length, 'chunk length not backed by the bytes');
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
        chunk: new Uint8Array(0),
      }),
      new Uint8Array(44),
    ];
  },
};
