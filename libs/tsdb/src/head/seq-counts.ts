/**
 * A multiset of stream sequences with its minimum: the first sequences of
 * the chunks a partition holds, so the partition checkpoint is known without
 * scanning every series. Distinct sequences are few (a chunk starts with the
 * batch that first wrote to it, and the series of one producer start theirs
 * together), so min() walks the distinct keys only.
 */
export class SeqCounts {
  private readonly counts = new Map<number, number>();
  /** Number of entries (with multiplicity). */
  size = 0;

  add(seq: number): void {
    if (!Number.isFinite(seq)) return;
    this.counts.set(seq, (this.counts.get(seq) ?? 0) + 1);
    this.size++;
  }

  remove(seq: number): void {
    if (!Number.isFinite(seq)) return;
    const n = this.counts.get(seq);
    if (n === undefined) return;
    if (n <= 1) this.counts.delete(seq);
    else this.counts.set(seq, n - 1);
    this.size--;
  }

  /** Smallest sequence held, or `limit` when none is smaller. */
  min(limit: number): number {
    let m = limit;
    for (const k of this.counts.keys()) if (k < m) m = k;
    return m;
  }

  clear(): void {
    this.counts.clear();
    this.size = 0;
  }
}
