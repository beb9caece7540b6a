import { labelsFromRecord, type Labels } from '@ztsdb/promql';
import type { KnownSeries } from '../series-registry';

/**
 * The engine's label set of each registered series, built on first use and kept for as long
 * as the registry holds that entry: building 1,000 sorted label sets on every query was a
 * measurable part of a query's cost. A registry update puts a new entry object, so its labels
 * are built afresh; the sets are readonly and shared by every query.
 */
const built = new WeakMap<KnownSeries, Labels>();

export function promLabelsOf(s: KnownSeries): Labels {
  let l = built.get(s);
  if (l === undefined) built.set(s, (l = labelsFromRecord(s.labels)));
  return l;
}
