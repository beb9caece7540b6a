/** Texts of the annotations (warnings and infos) the engine attaches to answers, as Prometheus words them. */

/** Go's %g for the values annotations print. */
export function formatG(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const s = String(x);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

export function invalidQuantile(q: number): string {
  return `PromQL warning: quantile value should be between 0 and 1, got ${formatG(q)}`;
}

export const SORT_IN_RANGE =
  'PromQL warning: sort is ineffective for range queries since results are always ordered by labels';
