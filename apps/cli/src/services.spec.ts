import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const BUILT = join(__dirname, '..', '..', '..', 'dist', 'apps', 'cli', 'src', 'services.js');

/** The apps' modules a fresh Node process holds after requiring the built services module. */
function appsLoadedBy(script: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `${script}.then(() => console.log(JSON.stringify(Object.keys(require.cache)
        .map((k) => /\\/dist\\/apps\\/(\\w+)\\//.exec(k)?.[1]).filter((a) => a && a !== 'cli'))))`,
    ],
    { encoding: 'utf8', env: { ...process.env, BUILT } },
  );
  return [...new Set(JSON.parse(out.trim().split('\n').pop()!) as string[])].sort();
}

describe('services', () => {
  // Each service runs as a process of its own: whatever another app loads (the collector's
  // libbpf bindings, the ingestor's LMDB) is memory every process pays for nothing.
  it('loads no app until one is started, and then only that one', () => {
    expect(appsLoadedBy(`Promise.resolve(require(process.env.BUILT))`)).toEqual([]);
    expect(
      appsLoadedBy(`Promise.resolve(require(process.env.BUILT)).then(() =>
        require(process.env.BUILT.replace(/cli\\/src\\/services\\.js$/, 'query/src/bootstrap.js')))`),
    ).toEqual(['query']);
  });
});

/** The packages (node_modules) a fresh Node process holds after requiring an app's built bootstrap. */
function packagesLoadedBy(app: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `require('reflect-metadata'); require(process.env.APP);
      console.log(JSON.stringify(Object.keys(require.cache)
        .map((k) => /\\/node_modules\\/((@[^/]+\\/)?[^/]+)\\//.exec(k)?.[1]).filter(Boolean)))`,
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        APP: BUILT.replace(/cli\/src\/services\.js$/, `${app}/src/bootstrap.js`),
      },
    },
  );
  return [...new Set(JSON.parse(out.trim().split('\n').pop()!) as string[])];
}

describe('what a service loads', () => {
  // Settings come from config-lite's table and query parameters from a table of rules:
  // class-validator (with validator.js and libphonenumber-js, ~14 MiB of RSS) only when a
  // setting is refused. lmdb-js (~9 MiB) only once a WAL is opened (by the ingestor).
  it.each(['ingestor', 'compactor', 'query'])(
    '%s: neither class-validator nor lmdb at load',
    (app) => {
      const loaded = packagesLoadedBy(app);
      expect(loaded).toContain('@nestjs/core');
      expect(loaded).not.toContain('class-validator');
      expect(loaded).not.toContain('class-transformer');
      expect(loaded).not.toContain('lmdb');
    },
  );
});
