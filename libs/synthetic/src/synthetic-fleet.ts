import { METRICS, type ContainerInfo } from '@ztsdb/model';
import { ContainerShape } from './container-shape';
import { mulberry32 } from './random';

const NAMES = ['web', 'api', 'worker', 'db', 'cache', 'queue', 'proxy', 'cron', 'auth', 'search'];
const IMAGES = [
  'nginx:1.27',
  'node:20',
  'python:3.12',
  'postgres:16',
  'redis:7',
  'nats:2.10',
  'envoy:1.31',
];

/** A fixed set of simulated containers; the same seed gives the same fleet and values. */
export class SyntheticFleet {
  readonly containers: ContainerInfo[];
  private readonly shapes: ContainerShape[];

  constructor(count: number, seed = 1, host = 'synthetic') {
    const rand = mulberry32(seed);
    this.containers = [];
    this.shapes = [];
    for (let i = 0; i < count; i++) {
      let hex = '';
      while (hex.length < 64)
        hex += Math.floor(rand() * 0x100000000)
          .toString(16)
          .padStart(8, '0');
      this.containers.push({
        id: hex.slice(0, 12),
        name: `${NAMES[i % NAMES.length]}-${i}`,
        image: IMAGES[i % IMAGES.length],
        runtime: 'docker',
        host,
      });
      this.shapes.push(new ContainerShape(seed * 1_000_003 + i));
    }
  }

  /** Next values of container `i`, in METRICS order. */
  next(i: number, out: Float64Array): void {
    this.shapes[i]!.next(out);
  }

  static readonly metrics = METRICS;
}
