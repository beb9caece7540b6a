import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's new space (where every object starts) at its first size, two 1 MiB semi-spaces,
 * instead of letting it double up to two 16 MiB ones once objects survive (module loading,
 * a burst). Besides its own 30 MiB of RSS, a large new space lets a burst's dead Buffers and
 * typed arrays wait for a scavenge every 16 MiB of allocation, and their memory (malloc's, off
 * V8's heap) waits with them: a cold merge's decoded columns and encoded blocks held the
 * compactor's heap 60 MiB higher. With small semi-spaces scavenges come every 1 MiB; each costs
 * about what survives it, so more of them cost little where most objects die young.
 *
 * V8 reads its semi-space size limit only when the heap is set up, but its growth factor at
 * every growth: a factor of 1 stops the growth from here on, so call it before the heap grows
 * (a new space that already grew keeps its size until V8 itself shrinks it). Returns false
 * where V8 refuses the flag.
 */
export function holdNewSpace(): boolean {
  try {
    setFlagsFromString('--semi-space-growth-factor=1');
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a process keeps the small new space (ZTSDB_V8_NEW_SPACE): `auto` keeps it in the
 * compactor alone, whose merges' decoded columns and encoded blocks die young (its cold merge
 * peaked 40-50 MiB lower, for no more CPU). An ingestor's sample batches and sealed chunks
 * outlive a few 1 MiB scavenges and then fill the old generation (a higher peak), and the
 * query service's heavier queries took 5-20 % more CPU for a few MiB.
 */
export function wantsSmallNewSpace(setting: string, compactorOnly: boolean): boolean {
  return setting === 'small' || (setting === 'auto' && compactorOnly);
}
