import { formatFloat, labelsFrom, type Labels, type QueryValue } from '@ztsdb/promql';
import { mulberry32 } from '@ztsdb/synthetic';
import { QueryBudget } from '../query-budget';
import { JsonBytes } from './json-bytes';
import { resultBody, type PromNotes } from './prom-json';

/** The string form resultBody had before it wrote bytes: the reference for every answer. */
function resultText(value: QueryValue, notes: PromNotes): string {
  const secs = (ms: number): string => String(ms / 1000);
  const metric = (labels: Labels): string => {
    const o: Record<string, string> = {};
    for (const [n, v] of labels) o[n] = v;
    return JSON.stringify(o);
  };
  const point = (ms: number, v: number): string => `[${secs(ms)},"${formatFloat(v)}"]`;
  const parts: string[] = [];
  switch (value.type) {
    case 'scalar':
      parts.push(point(value.timestampMs, value.value));
      break;
    case 'string':
      parts.push(`[${secs(value.timestampMs)},${JSON.stringify(value.value)}]`);
      break;
    case 'vector':
      parts.push('[');
      value.samples.forEach((s, i) =>
        parts.push(
          `${i > 0 ? ',' : ''}{"metric":${metric(s.labels)},"value":${point(s.timestampMs, s.value)}}`,
        ),
      );
      parts.push(']');
      break;
    case 'matrix':
      parts.push('[');
      value.series.forEach((s, i) => {
        let text = `${i > 0 ? ',' : ''}{"metric":${metric(s.labels)},"values":[`;
        for (let k = 0; k < s.timestamps.length; k++)
          text +=
            (k > 0 ? ',[' : '[') + secs(s.timestamps[k]!) + ',"' + formatFloat(s.values[k]!) + '"]';
        parts.push(text + ']}');
      });
      parts.push(']');
      break;
  }
  let s = `{"status":"success","data":{"resultType":"${value.type}","result":${parts.join('')}}`;
  if (notes.warnings && notes.warnings.length > 0)
    s += `,"warnings":${JSON.stringify(notes.warnings)}`;
  if (notes.infos && notes.infos.length > 0) s += `,"infos":${JSON.stringify(notes.infos)}`;
  return s + '}';
}

const EDGE_VALUES = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  12.34,
  -12.34,
  1e-6,
  -1e-6,
  1e-7,
  0.000001,
  0.1 + 0.2,
  1 / 3,
  2 ** 30 - 1,
  2 ** 30 - 0.5,
  2 ** 30,
  -(2 ** 30),
  2 ** 30 + 1,
  2 ** 53,
  1e21,
  1e-300,
  5e-324,
  Number.MAX_VALUE,
  NaN,
  Infinity,
  -Infinity,
  123456.789012,
  999999.999999,
  0.999999,
  1e15,
  1e16,
];
const EDGE_TIMES = [
  0,
  -0,
  1,
  -1,
  999,
  -999,
  1000,
  1500,
  -1500,
  1010,
  1001,
  1796054910000,
  1796054910123,
  1796054910120,
  1796054910100,
  -1796054910001,
  1e15 - 1,
  1e15,
  -1e15,
  2 ** 53,
  0.5,
  1796054910000.25,
];

function valueOf(rand: () => number): number {
  const r = rand();
  if (r < 0.4) return Math.round(rand() * 1e6) / 100; // two decimals, as scraped gauges
  if (r < 0.6) return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
  if (r < 0.7) return Math.round((rand() - 0.5) * 2 ** 31);
  if (r < 0.8) return Math.round(rand() * 1e12) / 1e6;
  return EDGE_VALUES[Math.floor(rand() * EDGE_VALUES.length)]!;
}

describe('JsonBytes', () => {
  it('writes times as String(ms / 1000) and values as formatFloat, edges included', () => {
    for (const ms of EDGE_TIMES) {
      const w = new JsonBytes(1);
      w.secs(ms);
      expect(w.done().toString()).toBe(String(ms / 1000));
    }
    for (const v of EDGE_VALUES) {
      const w = new JsonBytes(1);
      w.float(v);
      expect(w.done().toString()).toBe(formatFloat(v));
    }
  });

  it('writes random times and values as the string forms do', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.round((rand() - 0.2) * 4e12);
      const v = valueOf(rand);
      const w = new JsonBytes(2);
      w.point(ms, v, i % 2 === 0);
      expect(w.done().toString()).toBe(
        `${i % 2 === 0 ? '' : ','}[${String(ms / 1000)},"${formatFloat(v)}"]`,
      );
    }
  });

  it('grows past its first size and keeps non-ASCII text', () => {
    const w = new JsonBytes(1);
    w.text('{"é":"✓ ünïcode"');
    for (let i = 0; i < 1000; i++) w.point(i * 1000, i / 7, false);
    w.text('}');
    const expected =
      '{"é":"✓ ünïcode"' +
      Array.from({ length: 1000 }, (_, i) => `,[${i},"${formatFloat(i / 7)}"]`).join('') +
      '}';
    expect(w.done().toString('utf8')).toBe(expected);
  });
});

describe('resultBody as bytes', () => {
  const budget = (): QueryBudget => new QueryBudget(1 << 30);
  const labels = labelsFrom([
    ['__name__', 'container_cpu_usage'],
    ['container_id', 'ab"c\\d'],
    ['image', 'ïmage-✓'],
  ]);

  it('is byte for byte the string form for random matrices, vectors, scalars and strings', () => {
    const rand = mulberry32(11);
    for (let round = 0; round < 40; round++) {
      const series = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, i) => {
        const n = Math.floor(rand() * 300);
        const t0 = Math.round(rand() * 1.8e12);
        const step = 1 + Math.floor(rand() * 60_000);
        return {
          labels: i % 2 === 0 ? labels : [],
          timestamps: Array.from({ length: n }, (_, k) => t0 + k * step),
          values: Array.from({ length: n }, () => valueOf(rand)),
        };
      });
      const notes: PromNotes =
        round % 3 === 0 ? { warnings: ['w "1"', 'ü'], infos: ['i'] } : { warnings: [], infos: [] };
      const values: QueryValue[] = [
        { type: 'matrix', series },
        {
          type: 'vector',
          samples: series.map((s) => ({
            labels: s.labels,
            timestampMs: s.timestamps[0] ?? 0,
            value: s.values[0] ?? NaN,
          })),
        },
        { type: 'scalar', timestampMs: Math.round(rand() * 1e12), value: valueOf(rand) },
        { type: 'string', timestampMs: 1500, value: `s"\\✓${round}` },
      ];
      for (const v of values)
        expect(resultBody(v, notes, budget()).toString('utf8')).toBe(resultText(v, notes));
    }
  });

  it('writes empty results', () => {
    for (const v of [
      { type: 'matrix', series: [] },
      { type: 'vector', samples: [] },
    ] as QueryValue[])
      expect(resultBody(v, {}, budget()).toString()).toBe(resultText(v, {}));
  });
});
