/** 8-byte big-endian key of a sequence number (orders like the number). */
export function seqKey(seq: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(Math.floor(seq / 2 ** 32), 0);
  b.writeUInt32BE(seq >>> 0, 4);
  return b;
}

export function seqFromKey(key: Uint8Array): number {
  const b = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return b.readUInt32BE(0) * 2 ** 32 + b.readUInt32BE(4);
}

/** 16-byte chunk key: series id (u64 BE) then version (u64 BE). */
export function chunkKey(seriesId: bigint, version: number): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(seriesId, 0);
  b.writeUInt32BE(Math.floor(version / 2 ** 32), 8);
  b.writeUInt32BE(version >>> 0, 12);
  return b;
}

export function parseChunkKey(key: Uint8Array): { seriesId: bigint; version: number } {
  const b = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return {
    seriesId: b.readBigUInt64BE(0),
    version: b.readUInt32BE(8) * 2 ** 32 + b.readUInt32BE(12),
  };
}
