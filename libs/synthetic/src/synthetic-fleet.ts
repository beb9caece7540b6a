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

  private readonly rand: () => number;
  /** Containers made so far, replacements included: names and shapes of new ones go on from it. */
  private made = 0;

  constructor(
    count: number,
    private readonly seed = 1,
    private readonly host = 'synthetic',
  ) {
    this.rand = mulberry32(seed);
    this.containers = [];
    this.shapes = [];
    for (let i = 0; i < count; i++) {
      const [c, shape] = this.make();
      this.containers.push(c);
      this.shapes.push(shape);
    }
  }

  private make(): [ContainerInfo, ContainerShape] {
    const i = this.made++;
    let hex = '';
    while (hex.length < 64)
      hex += Math.floor(this.rand() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    const c: ContainerInfo = {
      id: hex.slice(0, 12),
      name: `${NAMES[i % NAMES.length]}-${i}`,
      image: IMAGES[i % IMAGES.length],
      runtime: 'docker',
      host: this.host,
    };
    return [c, new ContainerShape(this.seed * 1_000_003 + i)];
  }

  /** Container `i` is gone: a new one (new id and name) takes its place; returns the gone one. */
  replace(i: number): ContainerInfo {
    const gone = this.containers[i]!;
    const [c, shape] = this.make();
    this.containers[i] = c;
    this.shapes[i] = shape;
    return gone;
  }

  /** Next values of container `i`, in METRICS order. */
  next(i: number, out: Float64Array): void {
    this.shapes[i]!.next(out);
  }

  static readonly metrics = METRICS;
}
