import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ztsdb/testing';
import { bearerGuard, httpToken } from './http-auth';

const TOKEN = 'a-bearer-token-of-some-length';

describe('the query API bearer token', () => {
  let server: Server;
  let base: string;
  let guard = bearerGuard(TOKEN);

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (guard(req, res)) return;
      res.end('through');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const get = (path: string, authorization?: string) =>
    fetch(`${base}${path}`, authorization ? { headers: { authorization } } : {});

  it('answers 401 with a JSON error and WWW-Authenticate without the right token', async () => {
    for (const path of [
      '/query?series=x',
      '/series',
      '/metrics',
      '/api/v1/query',
      '/status/cluster',
    ]) {
      const r = await get(path);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(await r.json()).toMatchObject({
        code: 'ZTSDB_UNAUTHORIZED',
        error: expect.stringMatching(/Authorization: Bearer/),
      });
    }
    for (const wrong of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      TOKEN,
    ]) {
      const r = await get('/series', wrong);
      expect(r.status).toBe(401);
    }
    const invalid = await get('/series', 'Bearer nope');
    expect(invalid.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect(await invalid.text()).not.toContain(TOKEN);
  });

  it('lets the right token through, and /healthz and /readyz without one', async () => {
    expect(await (await get('/series', `Bearer ${TOKEN}`)).text()).toBe('through');
    expect(await (await get('/series', `bearer   ${TOKEN}`)).text()).toBe('through');
    for (const open of ['/healthz', '/readyz', '/readyz?x=1'])
      expect((await get(open)).status).toBe(200);
    expect((await get('/healthzx')).status).toBe(401);
  });

  it('lets the web UI shell through without a token, and not its data', async () => {
    for (const open of ['/', '/explore?q=up', '/cluster', '/containers/abc', '/assets/index-x.js'])
      expect([open, (await get(open)).status]).toEqual([open, 200]);
    for (const closed of ['/assets/a/b.js', '/containers', '/index.html', '/api/v1/labels'])
      expect([closed, (await get(closed)).status]).toEqual([closed, 401]);
    const post = await fetch(`${base}/`, { method: 'POST' });
    expect(post.status).toBe(401);
  });

  it('is open when no token is set, and reads the token from a file', async () => {
    guard = bearerGuard(undefined);
    expect((await get('/series')).status).toBe(200);
    guard = bearerGuard(TOKEN);
    const dir = tempDir('ztsdb-http-token-');
    try {
      const f = join(dir.path, 'token');
      writeFileSync(f, `${TOKEN}\n`);
      expect(httpToken({ ZTSDB_HTTP_TOKEN: '', ZTSDB_HTTP_TOKEN_FILE: f })).toBe(TOKEN);
      expect(httpToken({ ZTSDB_HTTP_TOKEN: '', ZTSDB_HTTP_TOKEN_FILE: '' })).toBeUndefined();
    } finally {
      dir.remove();
    }
  });
});
