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
