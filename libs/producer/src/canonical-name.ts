import type { Labels } from '@ztsdb/model';

/**
 * The name of a series from another source (DESIGN.md, "Prometheus ecosystem"):
 * `metric{a="x",b="y"}` with the labels but `__name__` sorted by name and values quoted as
 * JSON strings; just `metric` when there are no other labels. Labels with empty values are
 * left out, as Prometheus treats them as absent.
 */
export function canonicalSeriesName(labels: Labels): string {
  const metric = labels.__name__ ?? '';
  let body = '';
  for (const k of Object.keys(labels).sort()) {
    const v = labels[k]!;
    if (k === '__name__' || v === '') continue;
    body += `${body === '' ? '' : ','}${k}=${JSON.stringify(v)}`;
  }
  return body === '' ? metric : `${metric}{${body}}`;
}

/** The labels without empty values (as the registry stores them). */
export function withoutEmptyLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const k in labels) if (labels[k] !== '') out[k] = labels[k]!;
  return out;
}
