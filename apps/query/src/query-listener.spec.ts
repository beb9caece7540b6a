import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQueryString } from 'node:querystring';
import { InvalidInputError } from '@ztsdb/errors';
import { queryListener } from './query-listener';
import type { QueryService } from './query.service';

/** Answers with the params it was given, or fails as the service does on a bad parameter. */
const echo = {
  queryBuffer: (params: Record<string, unknown>): Promise<Buffer> =>
    params.fail !== undefined
      ? Promise.reject(new InvalidInputError('ZTSDB_BAD_PARAM', 'bad', { param: 'fail' }))
      : Promise.resolve(Buffer.from(JSON.stringify({ params }))),
} as unknown as QueryService;

describe('queryListener', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const fast = queryListener(echo, (raw) => parseQueryString(raw));
    server = http.createServer((req, res) => {
      if (fast(req, res)) return;
      res.writeHead(299, { 'content-type': 'text/plain' });
      res.end(`rest ${req.method} ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('answers GET /query with the parsed params, repeated ones as arrays', async () => {
    const r = await fetch(`${base}/query?series=a.b&match=x&match=y%7Bz%3D%22w%22%7D`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await r.json()).toEqual({ params: { series: 'a.b', match: ['x', 'y{z="w"}'] } });
    const none = await fetch(`${base}/query`);
    expect(await none.json()).toEqual({ params: {} });
  });

  it('answers errors with their status and code', async () => {
    const r = await fetch(`${base}/query?fail=1`);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: 'bad', code: 'ZTSDB_BAD_PARAM' });
  });

  it('leaves every other request to the rest of the server', async () => {
    for (const p of ['/queryx?a=1', '/query/', '/series?match=*', '/healthz', '/']) {
      const r = await fetch(`${base}${p}`);
      expect(r.status).toBe(299);
      expect(await r.text()).toBe(`rest GET ${p}`);
    }
    const post = await fetch(`${base}/query?a=1`, { method: 'POST' });
    expect(await post.text()).toBe('rest POST /query?a=1');
  });
});
