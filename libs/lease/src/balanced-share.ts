/**
 * How many partitions each live replica should own, so that R replicas and P
 * partitions settle at floor(P/R) or ceil(P/R) each (R <= P), and replicas
 * beyond P own none (hot standbys).
 *
 * Every replica computes the same answer from the same view of KV
 * `ztsdb_leases`: members are ranked by the number of leases they hold now
 * (most first), then by id; the first P mod R ranks get the ceiling. Ranking
 * holders first keeps partitions where they are: a replica that joins takes
 * only what others must give up, and a standby stays a standby until a
 * replica leaves, rather than a newcomer with a smaller id displacing an
 * owner.
 */
export interface ShareView {
  partitions: number;
  /** Live members (heartbeat not lapsed), this one included. */
  members: readonly string[];
  /** Live leases held, by member (members absent here hold none). */
  holdings: ReadonlyMap<string, number>;
}

/** Members in rank order: most leases held first, then by id. */
export function rankMembers(view: ShareView): string[] {
  const held = (m: string): number => view.holdings.get(m) ?? 0;
  return [...new Set(view.members)].sort(
    (a, b) => held(b) - held(a) || (a < b ? -1 : a > b ? 1 : 0),
  );
}

/** The number of partitions `member` should own in this view. */
export function targetOf(view: ShareView, member: string): number {
  const ranked = rankMembers(view);
  const rank = ranked.indexOf(member);
  if (rank < 0) return 0;
  const base = Math.floor(view.partitions / ranked.length);
  return base + (rank < view.partitions % ranked.length ? 1 : 0);
}

/**
 * The order in which `member` tries free partitions: first those that the
 * spread layout p mod R = rank gives it (so replicas starting together try
 * different partitions), then the rest in order.
 */
export function acquireOrder(view: ShareView, member: string): number[] {
  const ranked = rankMembers(view);
  const rank = Math.max(0, ranked.indexOf(member));
  const first: number[] = [];
  const rest: number[] = [];
  for (let p = 0; p < view.partitions; p++) (p % ranked.length === rank ? first : rest).push(p);
  return [...first, ...rest];
}
