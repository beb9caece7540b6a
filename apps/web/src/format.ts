/** Number formatting shared by the tables and chart axes. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${n < 0 ? '-' : ''}${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

export function rate(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : `${bytes(n)}/s`;
}

export function percent(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(1)} %`;
}

/** Short SI form for axis ticks and table cells of unknown unit. */
export function si(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  if (a === 0 || a >= 1) return String(Math.round(n * 100) / 100);
  return n.toPrecision(3);
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** `name{a="b", …}` of a series' labels, as Prometheus shows it. */
export function seriesLabel(metric: Record<string, string>): string {
  const { __name__: name = '', ...rest } = metric;
  const parts = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`);
  return parts.length ? `${name}{${parts.join(', ')}}` : name || '{}';
}
