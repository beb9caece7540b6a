import { SUBJECT_QUERY } from '@ztsdb/bus';
import { parseCommandArgs } from '../../apps/cli/src/cli-args';
import { askQueryText, fmtValue, queryCommand } from '../../apps/cli/src/client-commands';
import { QueryBed } from './query-bed';

const NAME = 'container.cpu.usage.ffffffffffff';
const NOW = Date.now();
const VALUES = [
  -0,
  0,
  Infinity,
  -Infinity,
  NaN,
  5e-324,
  -5e-324,
  2.225073858507201e-308,
  2.2250738585072014e-308,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  0.1,
  -1e-7,
];
const TS = VALUES.map((_, i) => NOW - (VALUES.length - i) * 1000);

/** What a value reads back as from the answer's JSON: the number itself, non-finite ones as Prometheus's strings. */
const wire = (v: number): number | string =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';

function expectExact(points: Array<[number, number | string]>): void {
  expect(points.map((p) => p[0])).toEqual(TS);
  points.forEach((p, i) => {
    const want = wire(VALUES[i]!);
    if (typeof want === 'number') expect(Object.is(p[1], want)).toBe(true);
    else expect(p[1]).toBe(want);
  });
}

describe('values that JSON and doubles make hard', () => {
  let bed: QueryBed;

  beforeAll(async () => {
    bed = await QueryBed.start();
    await bed.add(
      NAME,
      { __name__: 'container_cpu_usage', container_id: 'ffffffffffff' },
      TS,
      VALUES,
    );
    await bed.registered(1);
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('round-trip exactly through HTTP', async () => {
    const text = await (await fetch(`${bed.http}/query?series=${NAME}&start=-1h`)).text();
    expect(text).toContain(`[${TS[0]},-0]`);
    expectExact((JSON.parse(text) as { points: Array<[number, number | string]> }).points);
  });

  it('round-trip exactly through NATS, plain and in the CLI client', async () => {
    const m = await bed.nc.request(SUBJECT_QUERY, JSON.stringify({ series: NAME, start: '-1h' }));
    expectExact((JSON.parse(m.string()) as { points: Array<[number, number | string]> }).points);
    const { text } = await askQueryText(bed.nc, { series: NAME, start: '-1h' });
    expectExact((JSON.parse(text) as { points: Array<[number, number | string]> }).points);
  });

  it('print sensibly in ztsdb query, and --json keeps -0', async () => {
    let out = '';
    await queryCommand(
      bed.nc,
      parseCommandArgs('query', [NAME, '--start', '-1h']),
      (s) => (out += s),
    );
    const printed = out
      .trim()
      .split('\n')
      .slice(2)
      .map((l) => l.split(/\s+/)[2]);
    expect(printed).toEqual(VALUES.map((v) => fmtValue(wire(v))));
    expect(printed.slice(0, 5)).toEqual(['-0', '0', '+Inf', '-Inf', 'NaN']);
    expect(printed[5]).toBe('5e-324');
    expect(printed[9]).toBe('1.7976931348623157e+308');
    let json = '';
    await queryCommand(
      bed.nc,
      parseCommandArgs('query', [NAME, '--start', '-1h', '--json']),
      (s) => (json += s),
    );
    expectExact((JSON.parse(json) as { points: Array<[number, number | string]> }).points);
  });
});
