/**
 * Synthetic but container-like series for the codec benchmark: per container
 * one CPU % (2 decimals), one memory usage (bytes, drifting by pages) and
 * eight mostly-zero rates (network and block I/O, bytes and counts per second).
 */

/** Deterministic PRNG (mulberry32), the synthetic source's, so runs are reproducible. */
import { mulberry32 as rng } from '@ztsdb/synthetic';
export { rng };

export const METRICS_PER_CONTAINER = 10;

/** Fill `ts`/`vs` with series number `s` (n points at a 1 s step). */
export function fillSeries(
  s: number,
  ts: Float64Array,
  vs: Float64Array,
  start: number,
  n: number,
): void {
  const r = rng(s * 7919 + 13);
  const kind = s % METRICS_PER_CONTAINER;
  const busy = r() < 0.2;
  for (let i = 0; i < n; i++) ts[start + i] = 1_700_000_000_000 + i * 1000;
  if (kind === 0) {
    // CPU % of one core, two decimals, a noisy walk around a level.
    let level = busy ? 20 + r() * 60 : r() * 3;
    for (let i = 0; i < n; i++) {
      level = Math.max(0, level + (r() - 0.5) * (busy ? 4 : 0.2));
      vs[start + i] = Math.round(level * 100) / 100;
    }
  } else if (kind === 1) {
    // Memory usage in bytes: drifts by whole pages now and then.
    let mem = Math.floor(50e6 + r() * 500e6);
    mem -= mem % 4096;
    for (let i = 0; i < n; i++) {
      if (r() < 0.3) mem += Math.floor((r() - 0.45) * 64) * 4096;
      vs[start + i] = mem;
    }
  } else {
    // Rates: mostly zero; busy containers see traffic more often.
    const p = busy ? 0.4 : 0.03;
    const bytes = kind === 2 || kind === 3 || kind === 6 || kind === 7;
    for (let i = 0; i < n; i++) {
      if (r() >= p) vs[start + i] = 0;
      else if (bytes)
        vs[start + i] = kind >= 6 ? Math.floor(r() * 64) * 4096 : Math.floor(r() * 200_000);
      else vs[start + i] = Math.floor(r() * 300);
    }
  }
}
