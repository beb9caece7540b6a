import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Runtime } from '@ztsdb/model';
import type { ContainerMetadata } from './docker-metadata-client';

/** The proto beside the sources (copied into dist by the build). */
const PROTO = path.join(__dirname, '..', 'proto', 'cri-runtime.proto');

interface CriContainerStatus {
  id?: string;
  metadata?: { name?: string } | null;
  image?: { image?: string; userSpecifiedImage?: string } | null;
  imageRef?: string;
  labels?: Record<string, string>;
}

type Unary<Req, Res> = (
  req: Req,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => void;

interface RuntimeServiceClient extends grpc.Client {
  Version: Unary<{ version: string }, { runtimeName?: string; runtimeVersion?: string }>;
  ContainerStatus: Unary<
    { containerId: string; verbose: boolean },
    { status?: CriContainerStatus | null }
  >;
}

let serviceCtor:
  (new (addr: string, creds: grpc.ChannelCredentials) => RuntimeServiceClient) | undefined;

function runtimeService(): new (
  addr: string,
  creds: grpc.ChannelCredentials,
) => RuntimeServiceClient {
  if (!serviceCtor) {
    const def = protoLoader.loadSync(PROTO, { keepCase: false, defaults: true, longs: String });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      runtime: { v1: { RuntimeService: typeof serviceCtor } };
    };
    serviceCtor = pkg.runtime.v1.RuntimeService;
  }
  return serviceCtor!;
}

/** CRI's ContainerStatus as ContainerMetadata: container name, image, pod and namespace from kubelet's labels. */
export function metadataFromCriStatus(
  status: CriContainerStatus,
  runtime: Runtime,
): ContainerMetadata {
  const labels = { ...(status.labels ?? {}) };
  const meta: ContainerMetadata = { labels, runtime };
  const name = labels['io.kubernetes.container.name'] ?? status.metadata?.name;
  if (name) meta.name = name;
  const image = status.image?.userSpecifiedImage || status.image?.image || status.imageRef;
  if (image) meta.image = image;
  if (labels['io.kubernetes.pod.name']) meta.pod = labels['io.kubernetes.pod.name'];
  if (labels['io.kubernetes.pod.namespace']) meta.namespace = labels['io.kubernetes.pod.namespace'];
  return meta;
}

export interface CriMetadataOptions {
  /** unix socket of containerd or CRI-O. */
  socketPath: string;
  runtime: Runtime;
  /** Per call, the channel's first connection included (default 2000 ms). */
  timeoutMs?: number;
}

/**
 * Container names, images and Kubernetes pod/namespace from a CRI runtime (containerd,
 * CRI-O) over gRPC on its unix socket. `status` rejects on failure; a container the
 * runtime does not know (NOT_FOUND) resolves undefined. Caching is the caller's.
 */
export class CriMetadataClient {
  readonly socketPath: string;
  readonly runtime: Runtime;
  private readonly timeoutMs: number;
  private client: RuntimeServiceClient | undefined;

  constructor(opts: CriMetadataOptions) {
    this.socketPath = opts.socketPath;
    this.runtime = opts.runtime;
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  private get rpc(): RuntimeServiceClient {
    if (!this.client) {
      const Service = runtimeService();
      this.client = new Service(`unix://${this.socketPath}`, grpc.credentials.createInsecure());
    }
    return this.client;
  }

  private call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res | undefined> {
    return new Promise((resolve, reject) => {
      method.call(
        this.rpc,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + this.timeoutMs },
        (err, res) => {
          if (err?.code === grpc.status.NOT_FOUND) resolve(undefined);
          else if (err) reject(err);
          else resolve(res);
        },
      );
    });
  }

  /** The runtime's name and version (e.g. `containerd v1.7.2`). */
  async version(): Promise<string> {
    const v = await this.call(this.rpc.Version, { version: 'v1' });
    return `${v?.runtimeName ?? this.runtime} ${v?.runtimeVersion ?? ''}`.trim();
  }

  /** ContainerStatus of the container `id` (full id); undefined when the runtime does not know it. */
  async status(id: string): Promise<ContainerMetadata | undefined> {
    const res = await this.call(this.rpc.ContainerStatus, { containerId: id, verbose: false });
    return res?.status ? metadataFromCriStatus(res.status, this.runtime) : undefined;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
