type LabelValues = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: LabelValues; value: number }>;
  collect?: () => Array<{ labels?: LabelValues; value: number }>;
}

function key(labels: LabelValues): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A process's own metrics, rendered in the Prometheus text format on `/metrics`. */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (!f) {
      f = { name, help, type, values: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  counter(name: string, help: string): Counter {
    return new Counter(this.family(name, help, 'counter'));
  }

  gauge(name: string, help: string): Gauge {
    return new Gauge(this.family(name, help, 'gauge'));
  }

  /** A gauge whose values are read when `/metrics` is rendered. */
  gaugeFn(
    name: string,
    help: string,
    collect: () => Array<{ labels?: LabelValues; value: number }>,
  ): void {
    this.family(name, help, 'gauge').collect = collect;
  }

  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      const rows = f.collect
        ? f.collect().map((r) => ({ labels: r.labels ?? {}, value: r.value }))
        : [...f.values.values()];
      for (const { labels, value } of rows) {
        const ls = Object.entries(labels)
          .map(([k, v]) => `${k}="${escape(v)}"`)
          .join(',');
        out.push(
          `${f.name}${ls ? `{${ls}}` : ''} ${Number.isFinite(value) ? value : String(value)}`,
        );
      }
    }
    return out.join('\n') + '\n';
  }
}

export class Counter {
  constructor(private readonly f: Family) {}
  inc(labels: LabelValues = {}, by = 1): void {
    const k = key(labels);
    const cur = this.f.values.get(k);
    if (cur) cur.value += by;
    else this.f.values.set(k, { labels, value: by });
  }
  get(labels: LabelValues = {}): number {
    return this.f.values.get(key(labels))?.value ?? 0;
  }
}

export class Gauge {
  constructor(private readonly f: Family) {}
  set(value: number, labels: LabelValues = {}): void {
    this.f.values.set(key(labels), { labels, value });
  }
  get(labels: LabelValues = {}): number {
    return this.f.values.get(key(labels))?.value ?? 0;
  }
}

/** One registry per process, so `ztsdb all` shows every service's figures on one page. */
export const processMetrics = new MetricsRegistry();
