import type { ManifestChunkRef } from './manifest-event';

/**
 * The chunk list of a version-2 manifest event (docs/format/manifest.md, "Frame, version 2"):
 * u32 LE count, then per chunk the series id as 8 bytes (big-endian: its 16 hex digits in
 * order), `minT - base`, `maxT - minT` as zigzag varints and `count` as a varint, where `base`
 * is the event's `minT`. ~15 bytes a chunk where the JSON took ~78.
 */
const HEX = /^[0-9a-f]{16}$/;
const MAX_VARINT_BYTES = 8;

/** Whether `chunks` fits the table: ids of 16 lowercase hex, safe integer times and counts. */
export function fitsChunkTable(chunks: readonly ManifestChunkRef[], base: number): boolean {
  if (!Number.isSafeInteger(base)) return false;
  for (const c of chunks)
    if (
      !HEX.test(c.id) ||
      !Number.isSafeInteger(c.minT) ||
      !Number.isSafeInteger(c.maxT) ||
      !Number.isSafeInteger(c.count) ||
      c.count < 0 ||
      !fitsZigzag(c.minT - base) ||
      !fitsZigzag(c.maxT - c.minT)
    )
      return false;
  return true;
}

/** Its zigzag form is a safe integer. */
const fitsZigzag = (d: number): boolean => Math.abs(d) <= 2 ** 52;
const zigzag = (v: number): number => (v < 0 ? -2 * v - 1 : 2 * v);
const unzigzag = (u: number): number => (u % 2 === 1 ? -(u + 1) / 2 : u / 2);

function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function putVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[at++] = v;
  return at;
}

/** Bytes the table of `chunks` takes (fitsChunkTable must hold). */
export function chunkTableLength(chunks: readonly ManifestChunkRef[], base: number): number {
  let n = 4;
  for (const c of chunks)
    n +=
      8 +
      varintLength(zigzag(c.minT - base)) +
      varintLength(zigzag(c.maxT - c.minT)) +
      varintLength(c.count);
  return n;
}

/** Writes the table at `at`; returns where it ends. */
export function writeChunkTable(
  out: Uint8Array,
  at: number,
  chunks: readonly ManifestChunkRef[],
  base: number,
): number {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(at, chunks.length, true);
  at += 4;
  for (const c of chunks) {
    for (let i = 0; i < 16; i += 2) out[at++] = parseInt(c.id.slice(i, i + 2), 16);
    at = putVarint(out, at, zigzag(c.minT - base));
    at = putVarint(out, at, zigzag(c.maxT - c.minT));
    at = putVarint(out, at, c.count);
  }
  return at;
}

/**
 * Reads the table in `bytes[at, end)`; it must fill it exactly. Throws a message (the
 * caller's error type) naming what is wrong.
 */
export function readChunkTable(
  bytes: Uint8Array,
  at: number,
  end: number,
  base: number,
  bad: (msg: string, offset: number) => never,
): ManifestChunkRef[] {
  if (end - at < 4) bad('chunk table is short', at);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
  at += 4;
  if (n > (end - at) / 11) bad(`chunk table of ${n} chunks does not fit`, at - 4);
  const varint = (): number => {
    let v = 0;
    for (let i = 0, scale = 1; ; i++, scale *= 0x80) {
      if (at >= end) bad('chunk table is short', at);
      if (i === MAX_VARINT_BYTES) bad('varint is too long', at);
      const b = bytes[at++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) break;
    }
    if (!Number.isSafeInteger(v)) bad('varint is too large', at);
    return v;
  };
  const out: ManifestChunkRef[] = new Array<ManifestChunkRef>(n);
  for (let k = 0; k < n; k++) {
    if (end - at < 8) bad('chunk table is short', at);
    let id = '';
    for (let i = 0; i < 8; i++) id += bytes[at++]!.toString(16).padStart(2, '0');
    const minT = base + unzigzag(varint());
    const maxT = minT + unzigzag(varint());
    const count = varint();
    if (!Number.isSafeInteger(minT) || !Number.isSafeInteger(maxT))
      bad('chunk time out of range', at);
    out[k] = { id, minT, maxT, count };
  }
  if (at !== end) bad(`${end - at} bytes after the chunk table`, at);
  return out;
}
