import { CorruptionError } from '@ztsdb/errors';
import type { SeriesEntry } from './labels';
import {
  decodeSeriesEntry,
  encodeSeriesEntry,
  ENTRY_METRICS,
  nameLabels,
  SeriesEntryCorruptError,
} from './series-entry-codec';

const KEY = '491a52bf198bdfc5';
const entry = (over: Partial<SeriesEntry> = {}): SeriesEntry => ({
  id: KEY,
  name: 'container.cpu.usage.5388b79f8729',
  labels: { __name__: 'container_cpu_usage', container_id: '5388b79f8729' },
  active: true,
  updatedMs: 1796522830777,
  ...over,
});
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const corrupt = (value: Uint8Array, key = KEY): string => {
  try {
    decodeSeriesEntry(key, value);
  } catch (e) {
    expect(e).toBeInstanceOf(SeriesEntryCorruptError);
    expect(e).toBeInstanceOf(CorruptionError);
    expect((e as SeriesEntryCorruptError).code).toBe('ZTSDB_SERIES_ENTRY_CORRUPT');
    return (e as Error).message;
  }
  throw new Error('decoded');
};

describe('series entry codec', () => {
  it('writes a collector series in 15 bytes (metric index, binary id, labels implied)', () => {
    const bytes = encodeSeriesEntry(entry());
    expect(bytes.length).toBe(15);
    expect([...bytes.subarray(0, 2)]).toEqual([2, 0b111]);
    expect(bytes.length * 10).toBeLessThan(JSON.stringify(entry()).length);
    expect(decodeSeriesEntry(KEY, bytes)).toEqual(entry());
  });

  it.each<[string, Partial<SeriesEntry>]>([
    ['inactive', { active: false }],
    ['time 0', { updatedMs: 0 }],
    ['the largest safe time', { updatedMs: Number.MAX_SAFE_INTEGER }],
    ['more labels than the name implies', { labels: { ...entry().labels, container_name: 'web' } }],
    ['fewer labels than the name implies', { labels: { __name__: 'container_cpu_usage' } }],
    ['no labels at all', { labels: {} }],
    [
      'a label key outside the table, unicode values',
      { labels: { __name__: 'x', 'zone-ü': 'é\u{1F600}', host: '' } },
    ],
    ['a metric outside the table', { name: 'my.metric.5388b79f8729', labels: {} }],
    ['an upper-case id (text, not 6 bytes)', { name: 'container.cpu.usage.5388B79F8729' }],
    ['a canonical name', { name: 'http_requests_total{code="200"}', labels: { code: '200' } }],
    ['a name with no dot, labels implied', { name: 'up', labels: { __name__: 'up' } }],
    ['the last metric of the table', { name: `${ENTRY_METRICS.at(-1)!}.000000000000` }],
  ])('round-trips %s', (_, over) => {
    const e = entry(over);
    expect(decodeSeriesEntry(KEY, encodeSeriesEntry(e))).toEqual(e);
  });

  it('keeps label order and a 300-label set', () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 300; i++) labels[`k${i}`] = 'v'.repeat(i);
    const e = entry({ labels });
    const back = decodeSeriesEntry(KEY, encodeSeriesEntry(e));
    expect(back).toEqual(e);
    expect(Object.keys(back.labels)).toEqual(Object.keys(labels));
  });

  it('implies the labels the import gives a series known only by name', () => {
    expect(nameLabels('container.net.rx.bytes.0123456789ab')).toEqual({
      __name__: 'container_net_rx_bytes',
      container_id: '0123456789ab',
    });
    expect(nameLabels('a.b.0123456789AB')).toEqual({ __name__: 'a_b_0123456789AB' });
    expect(nameLabels('.0123456789ab')).toEqual({ __name__: '_0123456789ab' });
  });

  it('reads version 1 (JSON) entries, with the id as the key', () => {
    const e = entry({ labels: { __name__: 'm', weird: 'x' } });
    expect(decodeSeriesEntry(KEY, utf8(JSON.stringify(e)))).toEqual(e);
    // What older writers left out or got wrong is filled in as readers did.
    expect(
      decodeSeriesEntry(
        KEY,
        utf8(JSON.stringify({ id: KEY, name: 'n', labels: { a: 1, b: 'x' } })),
      ),
    ).toEqual({ id: KEY, name: 'n', labels: { b: 'x' }, active: true, updatedMs: 0 });
  });

  it('refuses version 1 entries that are not JSON, lack a name or belong to another key', () => {
    expect(corrupt(utf8('{"id":'))).toMatch(/not JSON/);
    expect(corrupt(utf8('{}'))).toMatch(/is not the key/);
    expect(corrupt(utf8(`{"id":"${KEY}"}`))).toMatch(/lacks a name/);
    expect(corrupt(utf8(JSON.stringify(entry({ id: '0000000000000001' }))))).toMatch(
      /is not the key/,
    );
  });

  it('refuses corrupt version 2 entries', () => {
    const good = encodeSeriesEntry(entry({ labels: { a: 'b' } }));
    expect(corrupt(new Uint8Array(0))).toMatch(/empty value/);
    expect(corrupt(Uint8Array.of(3, 0))).toMatch(/version 3 is not supported/);
    expect(corrupt(Uint8Array.of(2))).toMatch(/ends 1 bytes short/);
    expect(corrupt(Uint8Array.of(2, 0x08, 0))).toMatch(/unknown flags 0x8/);
    expect(corrupt(Uint8Array.of(2, 4, 0, ENTRY_METRICS.length, 1, 2, 3, 4, 5, 6))).toMatch(
      /metric 12 is not in the table/,
    );
    expect(corrupt(Uint8Array.of(2, 4, 0, 0, 1, 2))).toMatch(/short/);
    expect(corrupt(Uint8Array.of(2, 2, 0, 0))).toMatch(/empty name/);
    expect(corrupt(Uint8Array.of(2, 2, 0, 2, 0xc3, 0x28))).toMatch(/not UTF-8/);
    expect(corrupt(Uint8Array.of(2, 0, 0, 1, 0x6e, 1, 9, 0))).toMatch(/key code 9/);
    expect(corrupt(Uint8Array.of(2, 0, 0, 1, 0x6e, 2, 1, 0, 1, 0))).toMatch(/appears twice/);
    expect(corrupt(Uint8Array.of(2, 2, ...Array(9).fill(0xff), 1))).toMatch(/varint is too/);
    expect(corrupt(Uint8Array.of(...good, 0))).toMatch(/1 bytes after the entry/);
    for (let cut = 1; cut < good.length; cut++) corrupt(good.subarray(0, cut));
    expect(corrupt(good, 'not-a-key')).toMatch(/key is not 16/);
  });

  it('refuses to write a time it cannot read back', () => {
    expect(() => encodeSeriesEntry(entry({ updatedMs: -1 }))).toThrow(RangeError);
    expect(() => encodeSeriesEntry(entry({ updatedMs: 1.5 }))).toThrow(RangeError);
  });
});
