import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { DockerApiError } from './errors';
import { DockerMetadataClient } from './docker-metadata-client';

const KNOWN = 'a1'.repeat(32);
const POD = 'b2'.repeat(32);
const SLOW = 'c3'.repeat(32);
const BAD = 'd4'.repeat(32);

describe('DockerMetadataClient', () => {
  let dir: string;
  let socketPath: string;
  let server: http.Server;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-docker-'));
    socketPath = path.join(dir, 'docker.sock');
    server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const m = /^\/containers\/([^/]+)\/json$/.exec(req.url ?? '');
      const id = m?.[1];
      if (req.method !== 'GET' || !id) {
        res.writeHead(404).end('{"message":"page not found"}');
      } else if (id === KNOWN) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            Id: KNOWN,
            Name: '/web',
            Image: 'sha256:123',
            Config: { Image: 'nginx:1.27', Labels: { tier: 'front' } },
          }),
        );
      } else if (id === POD) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            Name: '/k8s_app_mypod_prod_uid_0',
            Config: {
              Image: 'app:2',
              Labels: { 'io.kubernetes.pod.name': 'mypod', 'io.kubernetes.pod.namespace': 'prod' },
            },
          }),
        );
      } else if (id === SLOW) {
        // never answers
      } else if (id === BAD) {
        res.writeHead(200).end('{not json');
      } else {
        res.writeHead(404).end(`{"message":"No such container: ${id}"}`);
      }
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    requests.length = 0;
  });

  it('reads name, image and labels of a container, and caches them', async () => {
    const client = new DockerMetadataClient({ socketPath });
    expect(client.peek(KNOWN)).toBeUndefined();
    const m = await client.lookup(KNOWN);
    expect(m).toEqual({ name: 'web', image: 'nginx:1.27', labels: { tier: 'front' } });
    expect(requests).toEqual([`GET /containers/${KNOWN}/json`]);
    expect(await client.lookup(KNOWN)).toEqual(m);
    expect(client.peek(KNOWN)).toEqual(m);
    expect(requests).toHaveLength(1); // cached
    client.forget(KNOWN);
    await client.lookup(KNOWN);
    expect(requests).toHaveLength(2);
  });

  it('takes pod and namespace from the kubernetes labels', async () => {
    const m = await new DockerMetadataClient({ socketPath }).lookup(POD);
    expect(m?.pod).toBe('mypod');
    expect(m?.namespace).toBe('prod');
    expect(m?.image).toBe('app:2');
  });

  it('answers undefined for an unknown container and does not ask again at once', async () => {
    const client = new DockerMetadataClient({ socketPath });
    const id = 'e5'.repeat(32);
    expect(await client.lookup(id)).toBeUndefined();
    expect(await client.lookup(id)).toBeUndefined();
    expect(requests).toEqual([`GET /containers/${id}/json`]);
    expect(client.lastError).toBeUndefined();
  });

  it('gives up after the timeout without rejecting', async () => {
    const client = new DockerMetadataClient({ socketPath, timeoutMs: 150 });
    const t0 = Date.now();
    expect(await client.lookup(SLOW)).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(client.lastError).toBeInstanceOf(DockerApiError);
    expect(client.lastError?.message).toMatch(/timed out/);
    await expect(client.inspect(SLOW)).rejects.toThrow(DockerApiError);
  });

  it('survives bad JSON and a missing socket', async () => {
    const client = new DockerMetadataClient({ socketPath });
    expect(await client.lookup(BAD)).toBeUndefined();
    expect(client.lastError?.code).toBe('ZTSDB_DOCKER_API');
    expect(client.lastError?.message).toMatch(/bad JSON/);

    const none = new DockerMetadataClient({ socketPath: path.join(dir, 'absent.sock') });
    expect(await none.lookup(KNOWN)).toBeUndefined();
    expect(none.lastError?.code).toBe('ZTSDB_DOCKER_API');
    // Unavailable: the next lookup does not even try.
    expect(await none.lookup(POD)).toBeUndefined();
  });

  it('shares one request among concurrent lookups', async () => {
    const client = new DockerMetadataClient({ socketPath });
    const [a, b] = await Promise.all([client.lookup(KNOWN), client.lookup(KNOWN)]);
    expect(a).toEqual(b);
    expect(requests).toHaveLength(1);
  });
});
