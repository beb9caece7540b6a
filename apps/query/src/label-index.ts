import type { Labels } from '@ztsdb/model';
import type { QueryClock } from './query-clock';
import type { LabelMatcher } from './series-selector';

/**
 * An inverted index of series labels: label → value → series names, as
 * Prometheus's postings. A matcher that needs a value (`="x"`, or `=~` with a
 * regex that does not match the empty string) reads the names of the values
 * it accepts instead of scanning every series, and a regex is tested once per
 * distinct value, not once per series. An empty value is an absent label.
 */
export class LabelIndex {
  private readonly postings = new Map<string, Map<string, Set<string>>>();
  private readonly labelsOf = new Map<string, Labels>();

  add(name: string, labels: Labels): void {
    this.labelsOf.set(name, labels);
    for (const [k, v] of Object.entries(labels)) {
      if (v === '') continue;
      let values = this.postings.get(k);
      if (!values) this.postings.set(k, (values = new Map()));
      let names = values.get(v);
      if (!names) values.set(v, (names = new Set()));
      names.add(name);
    }
  }

  remove(name: string, labels: Labels): void {
    this.labelsOf.delete(name);
    for (const [k, v] of Object.entries(labels)) {
      const values = this.postings.get(k);
      const names = values?.get(v);
      if (!names) continue;
      names.delete(name);
      if (names.size === 0) values!.delete(v);
      if (values!.size === 0) this.postings.delete(k);
    }
  }

  /** Distinct values of a label. */
  values(label: string): number {
    return this.postings.get(label)?.size ?? 0;
  }

  /** Names whose labels satisfy every matcher, in no particular order. */
  async select(matchers: readonly LabelMatcher[], clock?: QueryClock): Promise<string[]> {
    const narrowing: LabelMatcher[] = [];
    const rest: LabelMatcher[] = [];
    for (const m of matchers) {
      const needsValue = (m.op === '=' && m.value !== '') || (m.op === '=~' && !m.re!.test(''));
      (needsValue ? narrowing : rest).push(m);
    }
    // Exact values first, the rarest first (a container id before its metric's name): they
    // narrow the most for the least work.
    const size = (m: LabelMatcher): number =>
      m.op === '=' ? (this.postings.get(m.label)?.get(m.value)?.size ?? 0) : Infinity;
    narrowing.sort((a, b) => size(a) - size(b));
    let cand: Set<string> | undefined;
    for (const m of narrowing) {
      const values = this.postings.get(m.label);
      if (!values) return [];
      if (m.op === '=') {
        const names = values.get(m.value);
        if (!names) return [];
        let got: Set<string>;
        if (!cand) got = new Set(names);
        else {
          got = new Set<string>();
          const [few, many] = cand.size <= names.size ? [cand, names] : [names, cand];
          for (const n of few) if (many.has(n)) got.add(n);
        }
        cand = got;
        if (cand.size === 0) return [];
        continue;
      }
      if (cand !== undefined && cand.size < values.size) {
        // Fewer candidates than values: testing the candidates is less work.
        rest.push(m);
        continue;
      }
      const got = new Set<string>();
      const take = (names: Set<string> | undefined): void => {
        for (const n of names ?? []) if (!cand || cand.has(n)) got.add(n);
      };
      for (const [v, names] of values) {
        if (m.re!.test(v)) take(names);
        if (clock?.due()) await clock.pause();
      }
      cand = got;
      if (cand.size === 0) return [];
    }
    if (rest.length === 0) return [...(cand ?? this.labelsOf.keys())];
    // Each distinct value is tested once per matcher.
    const memo = rest.map(() => new Map<string, boolean>());
    // A Set: a series re-registered during a pause comes round again in the iteration.
    const out = new Set<string>();
    for (const name of cand ?? this.labelsOf.keys()) {
      const labels = this.labelsOf.get(name);
      if (!labels) continue;
      let ok = true;
      for (let i = 0; ok && i < rest.length; i++) {
        const m = rest[i]!;
        const v = labels[m.label] ?? '';
        let hit = memo[i]!.get(v);
        if (hit === undefined) {
          hit = m.op === '=' || m.op === '!=' ? v === m.value : m.re!.test(v);
          memo[i]!.set(v, hit);
        }
        ok = m.op === '=' || m.op === '=~' ? hit : !hit;
      }
      if (ok) out.add(name);
      if (clock?.due()) await clock.pause();
    }
    return [...out];
  }
}
