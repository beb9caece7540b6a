import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * The built web UI (`npm run build` → dist/web), read once into memory: the whole bundle is a
 * few hundred kilobytes, and holding it (with a gzipped copy of each file) keeps serving it
 * free of disk reads and of per-request compression.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface WebAsset {
  type: string;
  body: Buffer;
  /** Undefined when gzip does not make it smaller (images, fonts). */
  gzip?: Buffer;
  etag: string;
  /** Names under assets/ carry a content hash and never change. */
  immutable: boolean;
}

/** The default place of the built UI: dist/web, beside dist/apps (this file is dist/apps/query/src/web-ui/). */
export const DEFAULT_WEB_DIR = join(__dirname, '..', '..', '..', '..', 'web');

export class WebAssets {
  private readonly files = new Map<string, WebAsset>();

  /** Loads `dir`; an absent directory gives an empty set (the UI was not built). */
  constructor(readonly dir: string) {
    if (existsSync(join(dir, 'index.html'))) this.load(dir, '');
  }

  get built(): boolean {
    return this.files.has('/index.html');
  }

  /** The file at a URL path such as `/assets/index-3f2a.js`, or undefined. */
  get(path: string): WebAsset | undefined {
    return this.files.get(path);
  }

  private load(dir: string, prefix: string): void {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const url = `${prefix}/${name}`;
      if (statSync(full).isDirectory()) {
        this.load(full, url);
        continue;
      }
      const body = readFileSync(full);
      const type = TYPES[extname(name)] ?? 'application/octet-stream';
      const packed = /^(text|application\/json|image\/svg)/.test(type) ? gzipSync(body) : undefined;
      this.files.set(url, {
        type,
        body,
        gzip: packed && packed.length < body.length ? packed : undefined,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: prefix === '/assets',
      });
    }
  }
}
