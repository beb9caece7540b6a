import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SUBJECT_QUERY } from '@ztsdb/bus';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, REPO_ROOT } from '../support/ztsdb-process';

/**
 * `nest build query` (nest-cli.json, SWC) gives a runnable service: its
 * main.ts, started alone, serves `ztsdb.query` on a real nats-server and stops
 * cleanly on SIGTERM. Built into a temporary directory, so dist/ (which the
 * other end-to-end tests run) is left alone.
 */
describe('nest build query', () => {
  const dir = tempDir('ztsdb-nest-build-');
  let server: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
  });

  afterAll(async () => {
    await nc?.close();
    await server?.stop();
    dir.remove();
  });

  it('builds a main.js that serves ztsdb.query and stops on SIGTERM', async () => {
    const tsconfig = join(dir.path, 'tsconfig.json');
    const out = join(dir.path, 'out');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: join(REPO_ROOT, 'tsconfig.json'),
        compilerOptions: { outDir: out },
      }),
    );
    const build = spawnSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'nest'),
      // Nest CLI 11 takes -p relative to the workspace.
      ['build', 'query', '-p', relative(REPO_ROOT, tsconfig)],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect({ status: build.status, output: build.stderr }).toEqual({ status: 0, output: '' });
    const main = join(out, 'apps', 'query', 'src', 'main.js');
    expect(existsSync(main)).toBe(true);

    const env = {
      PATH: process.env.PATH ?? '',
      // The output lies outside the repository: its packages come from the repository's node_modules.
      NODE_PATH: join(REPO_ROOT, 'node_modules'),
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: join(dir.path, 'data'),
      ZTSDB_HTTP_ADDR: `127.0.0.1:${await freePort()}`,
    };
    const proc = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      const answer = await waitFor(
        async () => {
          if (proc.exitCode !== null) throw new Error(`main.js exited:\n${output}`);
          const r = await nc.request(SUBJECT_QUERY, '{"match": "*"}', { timeout: 1000 });
          return r.string();
        },
        'the nest-built query service to answer ztsdb.query',
        30_000,
        200,
      );
      expect(JSON.parse(answer)).toEqual({ series: [] });
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
