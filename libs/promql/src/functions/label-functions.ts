/** `label_replace`, `label_join` and the sorting functions: they change labels or order, not values. */
import type { RE2JS } from 're2js';
import { PromQLExecutionError } from '../errors';
import { compareLabels, getLabel, setLabel, type Labels } from '../labels';
import { compileRegex } from '../matchers';
import { isValidUtf8Label } from '../parser/literals';
import type { StepSeries } from '../engine/values';

function checkLabelName(name: string): void {
  if (name === '' || !isValidUtf8Label(name)) {
    throw new PromQLExecutionError(`invalid destination label name in label_replace(): ${name}`);
  }
}

/** Go's Regexp.ExpandString: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
export function expandTemplate(template: string, groups: (name: string) => string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^\w+$/.test(inner)) {
        out += c;
        continue;
      }
      name = inner;
      i = close;
    } else {
      const m = /^\w+/.exec(template.slice(i + 1));
      if (!m) {
        out += c;
        continue;
      }
      name = m[0];
      i += name.length;
    }
    out += groups(name);
  }
  return out;
}

function groupResolver(re: RE2JS, value: string): ((name: string) => string) | undefined {
  const m = re.matcher(value);
  if (!m.matches()) return undefined;
  return (name) => {
    if (/^\d+$/.test(name)) {
      const idx = Number(name);
      return idx <= m.groupCount() ? (m.group(idx) ?? '') : '';
    }
    try {
      return m.group(name) ?? '';
    } catch {
      return '';
    }
  };
}

export function labelReplace(
  series: StepSeries[],
  dst: string,
  replacement: string,
  src: string,
  regex: string,
): StepSeries[] {
  const re = compileRegex(regex);
  checkLabelName(dst);
  for (const s of series) {
    const groups = groupResolver(re, getLabel(s.labels, src));
    if (!groups) continue;
    const value = expandTemplate(replacement, groups);
    s.labels = setLabel(s.labels, dst, value);
    if (dst === '__name__') s.dropName = false;
  }
  return series;
}

export function labelJoin(
  series: StepSeries[],
  dst: string,
  sep: string,
  srcs: readonly string[],
): StepSeries[] {
  if (dst === '' || !isValidUtf8Label(dst)) {
    throw new PromQLExecutionError(`invalid destination label name in label_join(): ${dst}`);
  }
  for (const s of series) {
    const value = srcs.map((l) => getLabel(s.labels, l)).join(sep);
    s.labels = setLabel(s.labels, dst, value);
    if (dst === '__name__') s.dropName = false;
  }
  return series;
}

/** Natural order: digit runs compare by number, as Prometheus's sort_by_label does. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export function sortByLabel(
  series: StepSeries[],
  names: readonly string[],
  desc: boolean,
): StepSeries[] {
  const sign = desc ? -1 : 1;
  return series.sort((a, b) => {
    for (const n of names) {
      const x = getLabel(a.labels, n);
      const y = getLabel(b.labels, n);
      if (x !== y) return sign * naturalCompare(x, y);
    }
    return sign * compareLabels(a.labels as Labels, b.labels as Labels);
  });
}

/** sort / sort_desc by the value at the first step; NaN goes last either way. */
export function sortByValue(series: StepSeries[], desc: boolean): StepSeries[] {
  return series.sort((a, b) => {
    const x = a.values[0]!;
    const y = b.values[0]!;
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
    if (Number.isNaN(y)) return -1;
    return desc ? y - x : x - y;
  });
}
