import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { DetectedContainer } from './container-detector';
import { RuntimeMetadata } from './runtime-metadata';

const ID = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

function det(runtime: DetectedContainer['runtime'], id = ID, podUid?: string): DetectedContainer {
  return { id, shortId: id.slice(0, 12), runtime, podUid, path: `/x/${id}` } as DetectedContainer;
}

/** A CRI runtime on a unix socket, answering from the real proto: the client's wire format is what is tested. */
async function criServer(socket: string): Promise<grpc.Server> {
  const def = protoLoader.loadSync(path.join(__dirname, '..', 'proto', 'cri-runtime.proto'), {
    keepCase: false,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    runtime: { v1: { RuntimeService: { service: grpc.ServiceDefinition } } };
  };
  const server = new grpc.Server();
  server.addService(pkg.runtime.v1.RuntimeService.service, {
    Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb(null, { version: '0.1.0', runtimeName: 'containerd', runtimeVersion: 'v1.7.2' }),
    ContainerStatus: (
      call: grpc.ServerUnaryCall<{ containerId: string }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      if (call.request.containerId !== ID)
        return cb({
          code: grpc.status.NOT_FOUND,
          details: 'no such container',
        } as grpc.ServiceError);
      cb(null, {
        status: {
          id: ID,
          metadata: { name: 'web', attempt: 0 },
          image: { image: 'sha256:1234', userSpecifiedImage: 'nginx:1.27' },
          imageRef: 'docker.io/library/nginx@sha256:1234',
          labels: {
            'io.kubernetes.container.name': 'web',
            'io.kubernetes.pod.name': 'web-7d9f',
            'io.kubernetes.pod.namespace': 'shop',
          },
        },
      });
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (e) =>
      e ? reject(e) : resolve(),
    ),
  );
  return server;
}

/** A Docker-compatible API (Docker or Podman) answering GET /containers/{id}/json. */
async function dockerApi(socket: string, name: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === `/containers/${ID}/json`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Name: `/${name}`, Config: { Image: 'busybox:1', Labels: {} } }));
    } else res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => server.listen(socket, () => r()));
  return server;
}

describe('RuntimeMetadata', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-rtmeta-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('names containerd containers through the CRI API: container, image, pod, namespace', async () => {
    const socket = path.join(tmp, 'containerd.sock');
    const server = await criServer(socket);
    const meta = RuntimeMetadata.detect({
      isSocket: (p) => p === '/run/containerd/containerd.sock',
    });
    // The detected socket path is the host's; point the client at the test's.
    expect(meta.describe()).toBe(
      'container metadata from containerd CRI (/run/containerd/containerd.sock)',
    );
    const cri = meta.sources.cri[0]!;
    expect(cri.runtime).toBe('containerd');
    Object.assign(cri, { socketPath: socket });
    try {
      expect(await cri.version()).toBe('containerd v1.7.2');
      expect(await meta.lookupFor(det('containerd'))).toEqual({
        name: 'web',
        image: 'nginx:1.27',
        pod: 'web-7d9f',
        namespace: 'shop',
        runtime: 'containerd',
        labels: expect.objectContaining({ 'io.kubernetes.pod.namespace': 'shop' }),
      });
      // Unknown to the runtime: undefined, and kubepods containers of unknown runtime are asked too.
      expect(await meta.lookupFor(det('containerd', OTHER))).toBeUndefined();
      expect((await meta.lookupFor(det(undefined, ID, 'pod-uid')))?.pod).toBe('web-7d9f');
      // Not asked at all: a docker container with no docker socket, a non-kubepods unknown one.
      expect(meta.lookupFor(det('docker'))).toBeUndefined();
      expect(meta.lookupFor(det(undefined))).toBeUndefined();
    } finally {
      meta.close();
      server.forceShutdown();
    }
  });

  it('a CRI runtime that does not answer costs the name only', async () => {
    const meta = RuntimeMetadata.detect({ isSocket: (p) => p === '/var/run/crio/crio.sock' });
    Object.assign(meta.sources.cri[0]!, { socketPath: path.join(tmp, 'nothing.sock') });
    try {
      expect(await meta.lookupFor(det('cri-o'))).toBeUndefined();
    } finally {
      meta.close();
    }
  });

  it('takes the Docker socket from ZTSDB_DOCKER_SOCKET or DOCKER_HOST, and Podman from its own', async () => {
    const dockerSock = path.join(tmp, 'docker.sock');
    const docker = await dockerApi(dockerSock, 'from-docker');
    try {
      const viaHost = RuntimeMetadata.detect({ dockerHost: `unix://${dockerSock}` });
      expect(viaHost.describe()).toMatch(`container metadata from docker (${dockerSock})`);
      expect(await viaHost.lookupFor(det('docker'))).toMatchObject({
        name: 'from-docker',
        image: 'busybox:1',
        runtime: 'docker',
      });
      const explicit = RuntimeMetadata.detect({
        dockerSocket: dockerSock,
        dockerHost: 'unix:///nowhere.sock',
      });
      expect(explicit.sources.docker?.socketPath).toBe(dockerSock);
      const tcp = RuntimeMetadata.detect({
        dockerHost: 'tcp://127.0.0.1:2375',
        isSocket: () => false,
      });
      expect(tcp.describe()).toBe(
        'no container runtime socket found: containers get no name or image labels; DOCKER_HOST=tcp://127.0.0.1:2375 is not a unix:// socket; not used',
      );
      const podman = RuntimeMetadata.detect({
        isSocket: (p) => p === '/run/podman/podman.sock',
      });
      Object.assign(podman.sources.podman!, { socketPath: dockerSock });
      expect(await podman.lookupFor(det('podman'))).toMatchObject({
        name: 'from-docker',
        runtime: 'podman',
      });
    } finally {
      docker.close();
    }
  });
});
