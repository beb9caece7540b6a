import * as fs from 'node:fs';
import * as path from 'node:path';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, REPO_ROOT, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

/** A line of a stack trace, as Node prints them. */
const STACK = /^\s+at .+/m;
/** Nothing listens here: NATS is "down". */
const NO_NATS = 'nats://127.0.0.1:1';

async function run(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  const p = ZtsdbProcess.start(args, { NATS_URL: NO_NATS, ...env });
  const code = await p.exit(timeoutMs);
  return { code, output: p.output };
}

describe('ztsdb command line: help, version and usage mistakes', () => {
  afterAll(() => stopAllZtsdb());

  it("--help and -h print each command's help and exit 0", async () => {
    const asked = [
      ['query', '--help'],
      ['import', '--help'],
      ['top', '--help'],
      ['series', '-h'],
      ['nats-config', '-h'],
      ['collector', '--help'],
    ];
    const runs = await Promise.all(asked.map((a) => run(a)));
    runs.forEach((r, i) => {
      expect(r.code).toBe(0);
      expect(r.output).toContain(`usage: ztsdb ${asked[i]![0]}`);
      expect(r.output).toMatch(/-h, --help/);
      expect(r.output).not.toMatch(STACK);
    });
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'),
    ) as { version: string };
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.output).toContain(`ztsdb ${version}`);
  });

  it('says what is wrong with a command line in one line, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['query', '--bogus', 'x'], 'ztsdb query: unknown option --bogus'],
      [['query', 'x', '--bogus'], 'ztsdb query: unknown option --bogus'],
      [['query', 'x', '--start'], 'option --start needs a value'],
      [['query', 'x', '--start', '--json'], 'option --start needs a value'],
      [['import'], 'FILE is missing'],
      [
        ['import', 'a.csv', '--format', 'xml'],
        '--format must be one of csv, prom, openmetrics, jsonl, not "xml"',
      ],
      [['top', '--once', 'extra'], 'takes no arguments'],
      [['series', 'a', 'b'], 'takes at most 1'],
      [['collector', '--bogus'], 'ztsdb collector: unknown option --bogus'],
      [['nosuch'], 'unknown command "nosuch"'],
      [['query', 'x', '--agg', 'max'], '--agg needs --step, e.g. --agg max --step 60s'],
      [['query', 'x', '--by', 'image'], '--by needs --agg'],
    ];
    const runs = await Promise.all(cases.map(([args]) => run(args)));
    runs.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.output).toContain(message);
      expect(r.output.trim().split('\n')).toHaveLength(1);
      expect(r.output).not.toMatch(STACK);
      expect(r.output).not.toMatch(/agg=|step=/);
    });
  });
  it('import and the services with a bad setting say which, as every command does, exit 2 (settings from the table)', async () => {
    const file = path.join(REPO_ROOT, 'package.json');
    const bad: Array<[Record<string, string>, string]> = [
      [{ ZTSDB_PARTITIONS: '0' }, 'ZTSDB_PARTITIONS="0": ZTSDB_PARTITIONS must not be less than 1'],
      [{ ZTSDB_WARM_GRACE: 'soon' }, 'ZTSDB_WARM_GRACE must be a duration like 500ms'],
      [{ NATS_USER: 'u' }, 'NATS_PASSWORD: must be set with NATS_USER'],
    ];
    for (const [env, message] of bad) {
      const [imp, series, compactor] = await Promise.all([
        run(['import', file, '--format', 'csv'], env),
        run(['series'], env),
        run(['compactor'], env),
      ]);
      expect({ env, code: imp.code }).toEqual({ env, code: 2 });
      expect(imp.output).toContain(message);
      expect(imp.output).toBe(series.output);
      expect({ env, code: compactor.code }).toEqual({ env, code: 2 });
      expect(compactor.output).toBe(series.output);
    }
  });

  it('a client command with NATS down says so in one line (the stack only with ZTSDB_DEBUG)', async () => {
    const [plain, debug] = await Promise.all([
      run(['series']),
      run(['query', 'x'], { ZTSDB_DEBUG: '1' }),
    ]);
    expect(plain.code).toBe(1);
    expect(plain.output.trim()).toMatch(
      /^ztsdb series: cannot reach NATS at nats:\/\/127\.0\.0\.1:1: .*NATS_URL/,
    );
    expect(plain.output.trim().split('\n')).toHaveLength(1);
    expect(debug.code).toBe(1);
    expect(debug.output).toMatch(/^ztsdb query: cannot reach NATS/);
    expect(debug.output).toMatch(STACK);
  });

  it('a service started with NATS down logs one line per attempt, then one line, no Nest dump', async () => {
    const data = tempDir('ztsdb-cli-down-');
    try {
      const r = await run(['compactor'], {
        ZTSDB_DATA_DIR: data.path,
        ZTSDB_LOG_LEVEL: 'info',
        ZTSDB_NATS_RETRY_DEADLINE: '2s',
      });
      expect(r.code).toBe(1);
      const lines = r.output.trim().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      for (const l of lines.slice(0, -1))
        expect(l).toMatch(
          /NATS at nats:\/\/127\.0\.0\.1:1 not reachable \(attempt \d+: .*\); retrying in \d+ ms at \d{4}-\d\d-\d\dT/,
        );
      expect(lines[lines.length - 1]).toMatch(
        /cannot start the compactor: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/,
      );
      expect(r.output).not.toMatch(/ExceptionHandler/);
      expect(r.output).not.toMatch(STACK);
    } finally {
      data.remove();
    }
  });
});

describe('ztsdb command line against a running stack', () => {
  let server: NatsServer;
  let stack: ZtsdbProcess;
  let http: string;
  let env: Record<string, string>;
  const data = tempDir('ztsdb-cli-');

  beforeAll(async () => {
    server = await NatsServer.start();
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    env = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: '2',
    };
    stack = ZtsdbProcess.start(['all'], {
      ...env,
      ZTSDB_LOG_LEVEL: 'info',
      ZTSDB_LOG_FORMAT: 'json',
    });
    await waitFor(
      async () =>
        (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200 &&
        /found 2 containers/.test(stack.output),
      'the stack',
      30_000,
    );
  });

  afterAll(async () => {
    await stopAllZtsdb();
    await server?.stop();
    data.remove();
  });

  it('logs JSON lines with the NATS server and the containers found', () => {
    const lines = stack.output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) {
      expect(typeof l.level).toBe('string');
      expect(typeof l.time).toBe('number');
      expect(typeof l.msg).toBe('string');
      expect(l.service).toBe('all');
    }
    const msgs = lines.map((l) => String(l.msg));
    expect(msgs).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^connected to NATS at ${server.url.replace(/[.]/g, '\\.')} \\(.*nats-server \\d+\\.\\d+\\.\\d+, JetStream`,
        ),
      ),
    );
    expect(msgs).toContainEqual(
      expect.stringMatching(/collecting from the synthetic source .*; found 2 containers/),
    );
  });

  it('answers unknown HTTP paths in the error shape of ztsdb', async () => {
    const r = await getJson(`${http}/nosuch?x=1`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'no endpoint GET /nosuch', code: 'ZTSDB_NOT_FOUND' });
  });

  it('query: no series matched is a message and exit 1; --start -5m works', async () => {
    const none = await run(['query', 'nosuch.series', '--start', '-5m'], env);
    expect(none.code).toBe(1);
    expect(none.output.trim()).toBe(
      'ztsdb query: no series matched "nosuch.series"; "ztsdb series" lists them',
    );
    const series = await waitFor(
      async () => {
        const r = await getJson(`${http}/series?match=container.cpu.usage.*`);
        return r.body.series?.[0]?.name as string | undefined;
      },
      'a collected series',
      15_000,
    );
    const some = await run(['query', series, '--start', '-5m', '--end', '-0s'], env);
    expect(some.code).toBe(0);
    expect(some.output).toContain(`# ${series} (`);
    const agg = await run(
      ['query', 'container.cpu.usage.*', '--start', '-5m', '--agg', 'max', '--step', '1m'],
      env,
    );
    expect(agg.code).toBe(0);
    expect(agg.output).toMatch(/# max\(all, 2 series\)/);
  });

  it('top --once prints the table without how to quit', async () => {
    const r = await run(['top', '--once'], env);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/CONTAINER ID\s+NAME\s+CPU %/);
    expect(r.output).toMatch(/\d+ containers · /);
    expect(r.output).not.toMatch(/quits/);
  });

  it('import off a terminal prints the 100 % line once', async () => {
    const csv = path.join(data.path, 'small.csv');
    const base = Date.now() - 60_000;
    fs.writeFileSync(
      csv,
      [
        'series,timestamp_ms,value',
        ...[0, 1, 2].map((i) => `cli.test.aaaaaaaaaaaa,${base + i},${i}`),
      ].join('\n') + '\n',
    );
    const r = await run(['import', csv], env);
    expect(r.code).toBe(0);
    expect(r.output.match(/100\.0%/g)).toHaveLength(1);
    expect(r.output).toMatch(/imported 3 samples of 1 series/);
  });

  // Last: it ends the stack. With the server killed (no shutdown sent to clients) the
  // compactor's chunk fetches waited for NATS to come back and the stack never stopped; with it
  // shut down, each service waited out its own NATS timeouts one after another (and the
  // compactor retried its consumer until the retry deadline), about 90 s. Now about 20 s.
  it('stops on SIGTERM with its NATS server killed within a minute, exit 0', async () => {
    await server.halt('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    stack.proc.kill('SIGTERM');
    expect(await stack.exit(60_000)).toBe(0);
  }, 70_000);
});
