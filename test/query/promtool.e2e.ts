/**
 * `promtool query instant|range|series|labels` (Prometheus's own client, Debian package
 * `prometheus`) against a `ztsdb query` process: the answers it prints are ours.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { QueryBed } from './query-bed';

const run = promisify(execFile);
const T0 = 1_700_000_000_000;
const ts = Array.from({ length: 41 }, (_, i) => T0 + i * 15_000);
const END = T0 + 600_000;
let bed: QueryBed;

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('promtool', ['query', ...args], { timeout: 20_000 });
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT')
      throw new Error('promtool is not installed: apt-get install prometheus (.ci/run does)', {
        cause: e,
      });
    throw new Error(`promtool ${args.join(' ')} failed: ${err.message}\n${err.stderr ?? ''}`, {
      cause: e,
    });
  }
}

beforeAll(async () => {
  bed = await QueryBed.start();
  for (const [k, c] of ['aaaaaaaaaaaa', 'bbbbbbbbbbbb'].entries()) {
    await bed.add(
      `container.cpu.usage.${c}`,
      { __name__: 'container_cpu_usage', container_id: c, image: k === 0 ? 'nginx' : 'redis' },
      ts,
      ts.map((_, i) => (k + 1) * i),
    );
  }
  await bed.registered(2);
});

afterAll(async () => {
  await bed?.stop();
});

describe('promtool query against ztsdb', () => {
  it('instant', async () => {
    const out = await promtool(
      'instant',
      bed.http,
      'sum by (image) (container_cpu_usage)',
      `--time=${END / 1000}`,
    );
    expect(out).toBe(
      `{image="nginx"} => 40 @[${END / 1000}]\n{image="redis"} => 80 @[${END / 1000}]\n`,
    );
  });

  it('range', async () => {
    const out = await promtool(
      'range',
      bed.http,
      'container_cpu_usage{image="redis"}',
      `--start=${T0 / 1000}`,
      `--end=${(T0 + 60_000) / 1000}`,
      '--step=30s',
    );
    expect(out).toBe(
      `container_cpu_usage{container_id="bbbbbbbbbbbb", image="redis"} =>\n0 @[${T0 / 1000}]\n4 @[${T0 / 1000 + 30}]\n8 @[${T0 / 1000 + 60}]\n`,
    );
  });

  it('series', async () => {
    // promtool's default range is ±9999 h around now, which the 2023 data here is outside:
    // as Prometheus, ztsdb then lists nothing. The data's own range finds it.
    const range = [`--start=${T0 / 1000}`, `--end=${END / 1000}`];
    expect(await promtool('series', bed.http, '--match={image="nginx"}')).toBe('');
    const out = await promtool('series', bed.http, '--match={image="nginx"}', ...range);
    expect(out).toBe(
      '{__name__="container_cpu_usage", container_id="aaaaaaaaaaaa", image="nginx"}\n',
    );
  });

  it('labels (the values of one label)', async () => {
    const range = [`--start=${T0 / 1000}`, `--end=${END / 1000}`];
    expect(await promtool('labels', bed.http, 'image', ...range)).toBe('nginx\nredis\n');
    expect(
      await promtool(
        'labels',
        bed.http,
        'image',
        `--start=${END / 1000 + 1}`,
        `--end=${END / 1000 + 60}`,
      ),
    ).toBe('');
  });
});
