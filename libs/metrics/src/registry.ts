import { Counter as PromCounter, Gauge as PromGauge, Histogram, Registry } from 'prom-client';

export type LabelValues = Record<string, string>;

/** A family whose rows are computed when `/metrics` is rendered (prom-client calls get()). */
interface CollectedFamily {
  name: string;
  help: string;
  type: 'gauge';
  aggregator: 'sum';
  get(): { name: string; help: string; type: 'gauge'; aggregator: 'sum'; values: unknown[] };
}

/**
 * A process's own metrics over a prom-client registry, rendered in the Prometheus text
 * format. Families without labels show 0 before their first event; labelled ones declare
 * their label names (prom-client refuses others) and show the rows seen so far.
 */
export class MetricsRegistry {
  readonly prom = new Registry();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return new Counter(
      this.existing(name, PromCounter) ??
        new PromCounter({ name, help, labelNames, registers: [this.prom] }),
    );
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return new Gauge(
      this.existing(name, PromGauge) ??
        new PromGauge({ name, help, labelNames, registers: [this.prom] }),
    );
  }

  /** A latency histogram in seconds (prom-client's type: observe, startTimer). */
  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ): Histogram<string> {
    return (
      this.existing(name, Histogram) ??
      new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.prom] })
    );
  }

  /** A gauge whose rows are read when `/metrics` is rendered; registering the name again replaces it. */
  gaugeFn(
    name: string,
    help: string,
    collect: () => Array<{ labels?: LabelValues; value: number }>,
  ): void {
    const family: CollectedFamily = {
      name,
      help,
      type: 'gauge',
      aggregator: 'sum',
      get: () => ({
        name,
        help,
        type: 'gauge',
        aggregator: 'sum',
        values: collect().map((r) => ({ labels: r.labels ?? {}, value: r.value })),
      }),
    };
    this.prom.removeSingleMetric(name);
    this.prom.registerMetric(family as unknown as PromGauge);
  }

  /** Every family, in the Prometheus text format. */
  render(): Promise<string> {
    return this.prom.metrics();
  }

  /** The families whose names start with one of `prefixes`, in the text format. */
  async renderOnly(prefixes: readonly string[]): Promise<string> {
    const names = this.prom
      .getMetricsAsArray()
      .map((m) => (m as unknown as { name: string }).name)
      .filter((n) => prefixes.some((p) => n.startsWith(p)));
    const parts = await Promise.all(names.map((n) => this.prom.getSingleMetricAsString(n)));
    return parts.length > 0 ? `${parts.join('\n\n')}\n` : '';
  }

  get contentType(): string {
    return this.prom.contentType;
  }

  /** A module loaded twice (tests, `ztsdb all`) gets the family registered first. */
  private existing<T>(name: string, type: abstract new (...a: never[]) => T): T | undefined {
    const m = this.prom.getSingleMetric(name);
    return m instanceof type ? m : undefined;
  }
}

/** A counter; `inc(labels, by)` as the services call it. */
export class Counter {
  constructor(readonly prom: PromCounter<string>) {}
  inc(labels: LabelValues = {}, by = 1): void {
    this.prom.inc(labels, by);
  }
}

export class Gauge {
  constructor(readonly prom: PromGauge<string>) {}
  set(value: number, labels: LabelValues = {}): void {
    this.prom.set(labels, value);
  }
}

/** One registry per process, so `ztsdb all` shows every service's figures on one page. */
export const processMetrics = new MetricsRegistry();
