import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { NatsServer, tempDir, waitFor, writeTestCertificates } from '@ztsdb/testing';
import { freePort, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

/** GET over HTTPS trusting only `ca`; status and body. */
function get(url: string, ca: Buffer, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(
      url,
      { ca, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

describe('the query API over HTTPS (ZTSDB_HTTP_TLS_CERT, ZTSDB_HTTP_TLS_KEY)', () => {
  const dir = tempDir('ztsdb-https-');
  let server: NatsServer;
  let query: ZtsdbProcess;
  let port: number;
  let ca: Buffer;
  const token = 'https-test-token-0123456789';

  beforeAll(async () => {
    server = await NatsServer.start();
    const certs = writeTestCertificates(dir.path);
    ca = readFileSync(certs.ca);
    port = await freePort();
    query = ZtsdbProcess.start(['query'], {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: dir.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_HTTP_TLS_CERT: certs.serverCert,
      ZTSDB_HTTP_TLS_KEY: certs.serverKey,
      ZTSDB_HTTP_TOKEN: token,
      ZTSDB_LOG_LEVEL: 'info',
    });
    await waitFor(
      async () =>
        (await get(`https://127.0.0.1:${port}/readyz`, ca).catch(() => ({ status: 0 }))).status ===
        200,
      'the query service over HTTPS',
      20_000,
    );
  });

  afterAll(async () => {
    await stopAllZtsdb();
    await server?.stop();
    dir.remove();
  });

  it('serves HTTPS only, with the token, and says so at start', async () => {
    expect((await get(`https://127.0.0.1:${port}/series`, ca)).status).toBe(401);
    const r = await get(`https://127.0.0.1:${port}/series`, ca, token);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ series: [] });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(query.output).toMatch(
      /serving HTTP on https:\/\/127\.0\.0\.1:\d+ \(bearer token required\)/,
    );
    expect(query.output).not.toContain(token);
  });
});
