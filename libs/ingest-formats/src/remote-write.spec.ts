import type { Labels } from '@ztsdb/model';
import {
  decodeWriteRequestV1,
  decodeWriteRequestV2,
  encodeWriteRequestV1,
  encodeWriteRequestV2,
  ProtoWriter,
  snappyDecode,
  snappyEncode,
  type LabelBytes,
  type WriteSeries,
  type WriteVisitor,
} from './index';

const keyOf = (k: LabelBytes): string =>
  Buffer.from(k.buf.subarray(k.start, k.end)).toString('hex');

function collect(known = new Set<string>()): {
  v: WriteVisitor;
  out: Array<{ labels: Labels | string; samples: Array<[number, number]> }>;
} {
  const out: Array<{ labels: Labels | string; samples: Array<[number, number]> }> = [];
  return {
    out,
    v: {
      known: (buf, start, end) => {
        if (!known.has(keyOf({ buf, start, end }))) return false;
        out.push({ labels: 'known', samples: [] });
        return true;
      },
      series: (labels, key) => {
        if (key) known.add(keyOf(key));
        out.push({ labels, samples: [] });
      },
      sample: (t, v) => out[out.length - 1]!.samples.push([t, v]),
    },
  };
}

const SERIES: WriteSeries[] = [
  {
    labels: [
      ['__name__', 'http_requests_total'],
      ['code', '200'],
      ['path', 'a "quoted"\\n/ü'],
    ],
    samples: [
      [1_700_000_000_000, 1],
      [1_700_000_015_000, 2.5],
      [-5, NaN],
    ],
  },
  { labels: [['__name__', 'up']], samples: [[1_700_000_000_000, -Infinity]] },
  { labels: [['__name__', 'no_samples']], samples: [] },
];

describe('snappy block format', () => {
  it('round-trips text, binary, repeats, empty and long literals', () => {
    const inputs = [
      Buffer.alloc(0),
      Buffer.from('a'),
      Buffer.from('abcabcabcabcabcabcabcabcabcabc'.repeat(50)),
      Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251)),
      Buffer.from('x'.repeat(100_000)),
      encodeWriteRequestV1(SERIES),
    ];
    for (const b of inputs) expect(snappyDecode(snappyEncode(b), b.length)).toEqual(b);
    expect(snappyEncode(Buffer.from('x'.repeat(100_000))).length).toBeLessThan(5000);
  });

  it('decodes into a reused buffer: same bytes as a fresh one, a new buffer when too short', () => {
    const into = Buffer.alloc(4096, 0xee);
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let round = 0; round < 200; round++) {
      // Short and long runs of a small alphabet: literals and copies of every length class.
      const len = rnd(6000);
      const b = Buffer.alloc(len);
      for (let i = 0; i < len;) {
        const run = 1 + rnd(round % 2 ? 80 : 6);
        const c = 97 + rnd(round % 3 ? 4 : 26);
        for (let k = 0; k < run && i < len; k++, i++) b[i] = rnd(3) ? c : 97 + rnd(26);
      }
      const enc = snappyEncode(b);
      const out = snappyDecode(enc, len, into);
      expect(out).toEqual(b);
      expect(out.buffer === into.buffer).toBe(len <= into.length);
    }
    expect(() => snappyDecode(Buffer.from([4, 0x09, 5]), 100, into)).toThrow(/copy offset/);
    expect(() => snappyDecode(Buffer.from([9, 0x04, 0x61, 0x62]), 100, into)).toThrow(/declared/);
  });

  it('decodes every element kind the reference encoder writes, overlapping copies too', () => {
    // Blocks built element by element (our encoder writes only literals and 2-byte-offset
    // copies; Go's snappy, which Prometheus uses, also 1-byte-offset copies), checked against
    // the format applied byte by byte.
    let seed = 11;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const into = Buffer.alloc(1 << 16);
    for (let round = 0; round < 300; round++) {
      const expected: number[] = [];
      const elements: number[] = [];
      const literal = (len: number): void => {
        const n = len - 1;
        if (n < 60) elements.push(n << 2);
        else {
          const bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : 3;
          elements.push((59 + bytes) << 2);
          for (let k = 0; k < bytes; k++) elements.push((n >>> (8 * k)) & 0xff);
        }
        for (let k = 0; k < len; k++) {
          const b = 97 + rnd(4);
          elements.push(b);
          expected.push(b);
        }
      };
      literal(1 + rnd(80));
      for (let e = 0; e < 40; e++) {
        if (rnd(5) === 0) {
          literal(1 + (rnd(4) === 0 ? rnd(300) : rnd(20)));
          continue;
        }
        const dist = 1 + rnd(Math.min(expected.length, rnd(3) === 0 ? 2047 : 12));
        const kind = 1 + rnd(3);
        const len = kind === 1 ? 4 + rnd(8) : 1 + rnd(64);
        if (kind === 1 && dist < 2048)
          elements.push(((dist >>> 8) << 5) | ((len - 4) << 2) | 1, dist & 0xff);
        else if (kind === 3) elements.push(((len - 1) << 2) | 3, dist & 0xff, dist >>> 8, 0, 0);
        else elements.push(((len - 1) << 2) | 2, dist & 0xff, dist >>> 8);
        for (let k = 0; k < len; k++) expected.push(expected[expected.length - dist]!);
      }
      const lenBytes: number[] = [];
      let n = expected.length;
      do {
        lenBytes.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
        n = Math.floor(n / 128);
      } while (n > 0);
      const block = Buffer.from([...lenBytes, ...elements]);
      expect(snappyDecode(block, expected.length)).toEqual(Buffer.from(expected));
      expect(snappyDecode(block, expected.length, into)).toEqual(Buffer.from(expected));
      // One byte short anywhere in the elements: refused, never a wrong output.
      const cut = block.subarray(0, lenBytes.length + rnd(elements.length));
      expect(() => snappyDecode(cut, expected.length, into)).toThrow(/snappy/);
    }
  });

  it('decodes the reference encoder bytes (golden) and refuses corrupt input', () => {
    // "Wikipedia" from the snappy format description: length 9, one literal.
    expect(
      snappyDecode(Buffer.from('092057696b6970656469 61'.replace(' ', ''), 'hex'), 100).toString(),
    ).toBe('Wikipedia');
    // "abababab": literal "ab", then a 1-byte-offset copy of 6 (len 4 + 2) at distance 2.
    expect(snappyDecode(Buffer.from([8, 4, 0x61, 0x62, 0x09, 2]), 8).toString()).toBe('abababab');
    const bad = [
      Buffer.from([]), // no length
      Buffer.from([0x80]), // truncated length
      Buffer.from([5, 0x10, 0x61]), // literal of 5 with 1 byte
      Buffer.from([4, 0x05, 0]), // copy at offset 0
      Buffer.from([4, 0x09, 5]), // copy before the start
      Buffer.from([2, 0x08, 0x61, 0x62, 0x63]), // more output than declared
      Buffer.from([9, 0x04, 0x61, 0x62]), // less output than declared
    ];
    for (const b of bad) expect(() => snappyDecode(b, 100)).toThrow(/snappy/);
    expect(() => snappyDecode(Buffer.from([0xff, 0xff, 0x03]), 1000)).toThrow(/over the limit/);
  });
});

describe('remote_write decoders', () => {
  it('round-trips 1.0 and 2.0 requests: labels, samples, special values, negative times', () => {
    for (const [enc, dec] of [
      [encodeWriteRequestV1, decodeWriteRequestV1],
      [encodeWriteRequestV2, decodeWriteRequestV2],
    ] as const) {
      const { v, out } = collect();
      const counts = dec(enc(SERIES), v);
      expect(counts).toEqual({ series: 3, samples: 4, histograms: 0 });
      expect(out).toEqual(
        SERIES.map((s) => ({ labels: Object.fromEntries(s.labels), samples: s.samples })),
      );
    }
  });

  it('reads timestamps of every varint length up to ±2^53 and refuses those beyond', () => {
    const times = [
      0,
      1,
      127,
      128,
      2 ** 35,
      2 ** 42 - 1,
      2 ** 48,
      2 ** 49 - 1,
      2 ** 49,
      2 ** 53 - 1,
    ];
    const all = times.flatMap((t) => (t === 0 ? [0] : [t, -t]));
    const series: WriteSeries[] = [
      { labels: [['__name__', 't']], samples: all.map((t): [number, number] => [t, 1]) },
    ];
    const { v, out } = collect();
    decodeWriteRequestV1(encodeWriteRequestV1(series), v);
    expect(out[0]!.samples.map(([t]) => t)).toEqual(all);
    for (const t of [2 ** 53, -(2 ** 53) - 2]) {
      const big = encodeWriteRequestV1([{ labels: [['__name__', 't']], samples: [[t, 1]] }]);
      expect(() => decodeWriteRequestV1(big, collect().v)).toThrow(/safe range|over 2\^53/);
    }
  });

  it('knows a series by its label bytes the second time (1.0)', () => {
    const known = new Set<string>();
    decodeWriteRequestV1(encodeWriteRequestV1(SERIES), collect(known).v);
    const { v, out } = collect(known);
    decodeWriteRequestV1(encodeWriteRequestV1(SERIES), v);
    expect(out.map((o) => o.labels)).toEqual(['known', 'known', 'known']);
    expect(out[0]!.samples).toHaveLength(3);
  });

  it('refuses invalid series and corrupt bytes with a reason', () => {
    const one = (labels: Array<[string, string]>): Buffer =>
      encodeWriteRequestV1([{ labels, samples: [[1, 1]] }]);
    const v = collect().v;
    expect(() => decodeWriteRequestV1(one([['job', 'x']]), v)).toThrow(/without __name__/);
    expect(() =>
      decodeWriteRequestV1(
        one([
          ['__name__', 'a'],
          ['__name__', 'b'],
        ]),
        v,
      ),
    ).toThrow(/duplicate label name/);
    expect(() =>
      decodeWriteRequestV1(
        one([
          ['__name__', 'a'],
          ['bad-name', 'b'],
        ]),
        v,
      ),
    ).toThrow(/invalid label name/);
    const good = encodeWriteRequestV1(SERIES);
    for (let cut = 1; cut < good.length; cut += 7)
      expect(() => decodeWriteRequestV1(good.subarray(0, cut), collect().v)).toThrow();
    const v2 = new ProtoWriter()
      .message(5, (t) => t.message(1, (p) => p.varint(1).varint(9)))
      .string(4, '')
      .string(4, '__name__')
      .finish();
    expect(() => decodeWriteRequestV2(v2, v)).toThrow(/reference 9 past 2 symbols/);
    expect(() => decodeWriteRequestV1(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), v)).toThrow(
      /runs past/,
    );
  });

  it('reads samples whose fields come in another order, are missing or have company (1.0)', () => {
    const w = new ProtoWriter()
      .message(1, (ts) => {
        ts.message(1, (l) => l.string(1, '__name__').string(2, 'odd'));
        ts.message(2, (s) => s.tag(2, 0).int64(1_700_000_000_000).double(1, 2.5)); // reversed
        ts.message(2, (s) => s.tag(2, 0).int64(7)); // no value: 0
        ts.message(2, (s) => s.double(1, 4).tag(2, 0).int64(8).tag(9, 0).varint(1)); // extra field
        ts.message(2, (s) => s.double(1, 5)); // no timestamp: 0
        ts.message(2, (s) => s.double(1, 6).tag(2, 0).int64(-9)); // 10-byte timestamp
      })
      .finish();
    const { v, out } = collect();
    expect(decodeWriteRequestV1(w, v)).toEqual({ series: 1, samples: 5, histograms: 0 });
    expect(out[0]!.samples).toEqual([
      [1_700_000_000_000, 2.5],
      [7, 0],
      [8, 4],
      [0, 5],
      [-9, 6],
    ]);
    // A sample whose timestamp runs past its message is refused, not read from the next one.
    const bad = Buffer.from(
      new ProtoWriter()
        .message(1, (ts) => {
          ts.message(1, (l) => l.string(1, '__name__').string(2, 'x'));
          ts.message(2, (s) => s.double(1, 1).tag(2, 0).int64(1_700_000_000_000));
        })
        .finish(),
    );
    bad[bad.length - 1] = bad[bad.length - 1]! | 0x80; // the timestamp's last byte now says "more follows"
    expect(() => decodeWriteRequestV1(bad, collect().v)).toThrow(/truncated|runs past/);
  });

  it('counts native histograms and skips exemplars and metadata (1.0)', () => {
    const w = new ProtoWriter()
      .message(1, (ts) => {
        ts.message(1, (l) => l.string(1, '__name__').string(2, 'h'));
        ts.message(3, (e) => e.double(2, 1)); // exemplar
        ts.message(4, (h) => h.tag(1, 0).varint(3)); // native histogram
      })
      .message(3, (m) => m.string(2, 'h'))
      .finish();
    const { v, out } = collect();
    expect(decodeWriteRequestV1(w, v)).toEqual({ series: 1, samples: 0, histograms: 1 });
    expect(out).toEqual([{ labels: { __name__: 'h' }, samples: [] }]);
  });
});
