/**
 * Label sets as the evaluator uses them: an array of [name, value] pairs sorted by name, with
 * no empty values (Prometheus drops a label whose value is empty).
 */
export type Label = readonly [name: string, value: string];
export type Labels = readonly Label[];

export const METRIC_NAME = '__name__';

/** Sorted, empty values removed; the input is not modified. */
export function labelsFrom(pairs: Iterable<readonly [string, string]>): Labels {
  const out: Label[] = [];
  for (const [n, v] of pairs) if (v !== '') out.push([n, v]);
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

export function labelsFromRecord(rec: Record<string, string>): Labels {
  return labelsFrom(Object.entries(rec));
}

export function getLabel(labels: Labels, name: string): string {
  for (const [n, v] of labels) if (n === name) return v;
  return '';
}

/** A string that identifies the label set exactly; separators cannot occur in UTF-8 text. */
export function labelsKey(labels: Labels): string {
  let s = '';
  for (const [n, v] of labels) s += n + '\xff' + v + '\xfe';
  return s;
}

/** Key over only the named labels (`on`, `by`) or all but them (`ignoring`, `without`). */
export function groupingKey(labels: Labels, names: ReadonlySet<string>, keep: boolean): string {
  let s = '';
  for (const [n, v] of labels) {
    if (names.has(n) === keep) s += n + '\xff' + v + '\xfe';
  }
  return s;
}

export function keepLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter(([n]) => names.has(n));
}

export function dropLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter(([n]) => !names.has(n));
}

export function dropMetricName(labels: Labels): Labels {
  return labels.some(([n]) => n === METRIC_NAME)
    ? labels.filter(([n]) => n !== METRIC_NAME)
    : labels;
}

/** Sets (or with an empty value removes) one label. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out = labels.filter(([n]) => n !== name);
  if (value !== '') {
    out.push([name, value]);
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  return out;
}

export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
    if (x[1] !== y[1]) return x[1] < y[1] ? -1 : 1;
  }
  return a.length - b.length;
}

/** `{a="1", b="2"}` with the metric name in front, as Prometheus prints a series. */
export function formatLabels(labels: Labels): string {
  const name = getLabel(labels, METRIC_NAME);
  const rest = labels
    .filter(([n]) => n !== METRIC_NAME)
    .map(([n, v]) => `${n}=${JSON.stringify(v)}`);
  return `${name}{${rest.join(', ')}}`;
}

/** `{__name__="x", a="1"}`: every label in braces, as Prometheus prints a label set in errors. */
export function formatLabelSet(labels: Labels): string {
  return `{${labels.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(', ')}}`;
}
