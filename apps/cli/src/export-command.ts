import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Settings } from '@ztsdb/config';
import type { CliArgs } from './cli-args';

const FORMATS = ['json', 'prometheus', 'csv'];

/** The bearer token the query service wants, if any (ZTSDB_HTTP_TOKEN or its file). */
function token(settings: Settings): string {
  if (settings.ZTSDB_HTTP_TOKEN) return settings.ZTSDB_HTTP_TOKEN;
  if (settings.ZTSDB_HTTP_TOKEN_FILE)
    return readFileSync(settings.ZTSDB_HTTP_TOKEN_FILE, 'utf8').trim();
  return '';
}

function size(bytes: number): string {
  return bytes >= 1 << 20
    ? `${(bytes / (1 << 20)).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * `ztsdb export SELECTOR... [--start T] [--end T] [--format json|prometheus|csv] [--out FILE]
 * [--url URL]`: streams GET /api/v1/export of the query service (ZTSDB_HTTP_ADDR) to a file
 * or stdout, with progress on stderr; `ztsdb import` reads every format back.
 */
export async function exportCommand(
  args: CliArgs,
  settings: Settings,
  log: (m: string) => void,
): Promise<number> {
  if (args.positional.length === 0) {
    log(
      'usage: ztsdb export SELECTOR... [--start T] [--end T] [--format json|prometheus|csv] [--out FILE] [--url URL]',
    );
    return 2;
  }
  const format = args.options.get('format') ?? 'json';
  if (!FORMATS.includes(format)) {
    log(`--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(format)}`);
    return 2;
  }
  const base =
    args.options.get('url') ??
    `${settings.ZTSDB_HTTP_TLS_CERT ? 'https' : 'http'}://${settings.ZTSDB_HTTP_ADDR}`;
  const q = new URLSearchParams();
  for (const m of args.positional) q.append('match[]', m);
  for (const k of ['start', 'end']) {
    const v = args.options.get(k);
    if (v !== undefined) q.set(k, v);
  }
  q.set('format', format);
  const auth = token(settings);
  const res = await fetch(`${base}/api/v1/export?${q}`, {
    headers: auth ? { authorization: `Bearer ${auth}` } : {},
  });
  if (!res.ok || !res.body) {
    log(`export failed: ${res.status} ${(await res.text()).trim()}`);
    return 1;
  }
  const file = args.options.get('out');
  const out: Writable = file ? createWriteStream(file) : process.stdout;
  const series = res.headers.get('x-ztsdb-series') ?? '?';
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let bytes = 0;
  let lines = 0;
  let shown = 0;
  const progress = (final: boolean): void => {
    const now = Date.now();
    if (!final && now - shown < (tty ? 200 : 5000)) return;
    shown = now;
    const line = `export: ${series} series, ${lines.toLocaleString('en-US')} lines, ${size(bytes)}, ${((now - started) / 1000).toFixed(1)}s`;
    process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
  };
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (!out.write(chunk)) await once(out, 'drain');
      progress(false);
    }
  } catch (e) {
    progress(true);
    log(`export broke off after ${size(bytes)}: ${(e as Error).message}`);
    return 1;
  } finally {
    if (file) {
      out.end();
      await once(out, 'finish');
    }
  }
  progress(true);
  return 0;
}
