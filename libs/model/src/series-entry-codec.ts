import { CorruptionError } from '@ztsdb/errors';
import { MODEL_ERROR_CODES } from './errors';
import type { Labels, SeriesEntry } from './labels';
import { parseSeriesKey } from './series-name';

/**
 * The value of a KV `ztsdb_series` entry (docs/format/series-entry.md). Version 1 is the
 * entry as JSON (`{"id", "name", "labels", "active", "updatedMs"}`, first byte `{`);
 * version 2 is binary: byte 0 = 2, a flags byte, `updatedMs` as a varint, the name (a metric
 * of the fixed table below and a 6-byte container id when it has ztsdb's shape, else its
 * UTF-8 bytes), and the labels unless they are the ones the name implies. The id is the key
 * in both. Writers write version 2; every reader goes through `decodeSeriesEntry`, which
 * reads both.
 */
export const SERIES_ENTRY_VERSION = 2;

const FLAG_ACTIVE = 1;
/** The labels are `nameLabels(name)`: none follow. */
const FLAG_NAME_LABELS = 2;
/** The name is `<metric of ENTRY_METRICS>.<12 lowercase hex>`: a table index and 6 bytes. */
const FLAG_METRIC_NAME = 4;
const KNOWN_FLAGS = FLAG_ACTIVE | FLAG_NAME_LABELS | FLAG_METRIC_NAME;

/**
 * Metrics a version-2 name may point at, by index. Append only: entries in the bucket name them.
 * A table of the format's own, not METRICS (metrics.ts): that list may change, this one may not.
 */
export const ENTRY_METRICS: readonly string[] = Object.freeze([
  'container.cpu.usage',
  'container.memory.bytes',
  'container.net.rx.bytes',
  'container.net.tx.bytes',
  'container.net.rx.packets',
  'container.net.tx.packets',
  'container.block.read.bytes',
  'container.block.write.bytes',
  'container.block.read.ops',
  'container.block.write.ops',
  'container.memory.mapped.bytes',
  'container.memory.total.bytes',
]);
/** Label keys written as one byte (index + 1; 0 = the key follows as text). Append only. */
export const ENTRY_LABEL_KEYS: readonly string[] = Object.freeze([
  '__name__',
  'container_id',
  'container_name',
  'image',
  'runtime',
  'pod',
  'namespace',
  'host',
]);

const METRIC_INDEX = new Map(ENTRY_METRICS.map((m, i) => [m, i] as const));
const KEY_CODE = new Map(ENTRY_LABEL_KEYS.map((k, i) => [k, i + 1] as const));
const SHORT_ID = /^[0-9a-f]{12}$/;
const MAX_COUNT = 0xffff;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * The labels a name implies (the import's rule for a series known only by name):
 * `<metric>.<12 hex>` → `{__name__: metric with '.' → '_', container_id}`, any other name
 * → `{__name__: name with '.' → '_'}`. Part of the format: version-2 entries rely on it.
 */
export function nameLabels(name: string): Labels {
  const dot = name.lastIndexOf('.');
  const cid = dot > 0 ? name.slice(dot + 1) : '';
  if (SHORT_ID.test(cid))
    return { __name__: name.slice(0, dot).replace(/\./g, '_'), container_id: cid };
  return { __name__: name.replace(/\./g, '_') };
}

function sameLabels(a: Labels, b: Labels): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  return n === Object.keys(b).length;
}

class Out {
  private buf = new Uint8Array(64);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  text(s: string): void {
    const b = utf8.encode(s);
    this.varint(b.length);
    this.bytes(b);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Version 2 bytes of an entry (its id is the key, not written). */
export function encodeSeriesEntry(e: SeriesEntry): Uint8Array {
  if (!Number.isSafeInteger(e.updatedMs) || e.updatedMs < 0)
    throw new RangeError(`updatedMs ${e.updatedMs} is not a non-negative safe integer`);
  const out = new Out();
  const derived = sameLabels(e.labels, nameLabels(e.name));
  const dot = e.name.lastIndexOf('.');
  const metric = dot > 0 ? METRIC_INDEX.get(e.name.slice(0, dot)) : undefined;
  const cid = dot > 0 ? e.name.slice(dot + 1) : '';
  const metricName = metric !== undefined && SHORT_ID.test(cid);
  out.byte(SERIES_ENTRY_VERSION);
  out.byte(
    (e.active ? FLAG_ACTIVE : 0) |
      (derived ? FLAG_NAME_LABELS : 0) |
      (metricName ? FLAG_METRIC_NAME : 0),
  );
  out.varint(e.updatedMs);
  if (metricName) {
    out.byte(metric);
    for (let i = 0; i < 12; i += 2) out.byte(parseInt(cid.slice(i, i + 2), 16));
  } else out.text(e.name);
  if (!derived) {
    const keys = Object.keys(e.labels);
    if (keys.length > MAX_COUNT) throw new RangeError(`${keys.length} labels are too many`);
    out.varint(keys.length);
    for (const k of keys) {
      const code = KEY_CODE.get(k);
      if (code !== undefined) out.byte(code);
      else {
        out.byte(0);
        out.text(k);
      }
      out.text(e.labels[k]!);
    }
  }
  return out.done();
}

/** A registry value that is neither version. */
export class SeriesEntryCorruptError extends CorruptionError {
  constructor(msg: string, key: string, offset: number) {
    super(MODEL_ERROR_CODES.badSeriesEntry, `series registry entry ${key}: ${msg}`, {
      key,
      offset,
    });
  }
}

/**
 * The entry a KV `ztsdb_series` value holds under `key` (16 hex digits), either version.
 * Throws SeriesEntryCorruptError on anything else, on a key that is not a series key, and
 * on a version-1 entry whose `id` is not its key.
 */
export function decodeSeriesEntry(key: string, value: Uint8Array): SeriesEntry {
  let at = 0;
  const bad = (msg: string): never => {
    throw new SeriesEntryCorruptError(msg, key, at);
  };
  if (parseSeriesKey(key) === undefined) bad('the key is not 16 lowercase hex digits');
  if (value.length === 0) bad('empty value');
  if (value[0] === 0x7b) return decodeJson(key, value, bad);
  if (value[0] !== SERIES_ENTRY_VERSION) bad(`version ${value[0]} is not supported`);
  const need = (n: number): void => {
    if (at + n > value.length) bad(`ends ${at + n - value.length} bytes short`);
  };
  const varint = (): number => {
    let v = 0;
    for (let scale = 1; ; scale *= 0x80) {
      need(1);
      const b = value[at++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) break;
      if (scale > 2 ** 42) bad('varint is too long');
    }
    if (!Number.isSafeInteger(v)) bad('varint is too large');
    return v;
  };
  const text = (): string => {
    const n = varint();
    need(n);
    try {
      return utf8Strict.decode(value.subarray(at, (at += n)));
    } catch {
      return bad('text is not UTF-8');
    }
  };
  at = 1;
  need(1);
  const flags = value[at++]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) bad(`unknown flags 0x${flags.toString(16)}`);
  const updatedMs = varint();
  let name: string;
  if (flags & FLAG_METRIC_NAME) {
    need(7);
    const metric = ENTRY_METRICS[value[at]!];
    if (metric === undefined) bad(`metric ${value[at]} is not in the table`);
    at++;
    let cid = '';
    for (let i = 0; i < 6; i++) cid += value[at++]!.toString(16).padStart(2, '0');
    name = `${metric}.${cid}`;
  } else name = text();
  if (name.length === 0) bad('empty name');
  let labels: Labels;
  if (flags & FLAG_NAME_LABELS) labels = nameLabels(name);
  else {
    labels = {};
    const count = varint();
    if (count > MAX_COUNT) bad(`${count} labels are too many`);
    for (let i = 0; i < count; i++) {
      need(1);
      const code = value[at++]!;
      let k: string;
      if (code === 0) k = text();
      else {
        const known = ENTRY_LABEL_KEYS[code - 1];
        if (known === undefined) bad(`label key code ${code} is not in the table`);
        k = known!;
      }
      if (Object.prototype.hasOwnProperty.call(labels, k)) bad(`label ${k} appears twice`);
      labels[k] = text();
    }
  }
  if (at !== value.length) bad(`${value.length - at} bytes after the entry`);
  return { id: key, name, labels, active: (flags & FLAG_ACTIVE) !== 0, updatedMs };
}

function decodeJson(key: string, value: Uint8Array, bad: (msg: string) => never): SeriesEntry {
  let e: Partial<SeriesEntry> | null;
  try {
    e = JSON.parse(utf8Strict.decode(value)) as Partial<SeriesEntry> | null;
  } catch {
    return bad('not JSON');
  }
  if (typeof e !== 'object' || e === null) return bad('not a JSON object');
  if (e.id !== key) bad(`id ${JSON.stringify(e.id)} is not the key`);
  if (typeof e.name !== 'string' || e.name.length === 0) bad('lacks a name');
  const labels: Labels = {};
  if (typeof e.labels === 'object' && e.labels !== null)
    for (const [k, v] of Object.entries(e.labels)) if (typeof v === 'string') labels[k] = v;
  return {
    id: key,
    name: e.name!,
    labels,
    active: e.active !== false,
    updatedMs: typeof e.updatedMs === 'number' && Number.isFinite(e.updatedMs) ? e.updatedMs : 0,
  };
}
