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

/** V8's own growth factor (`node --v8-options`), which releaseNewSpace() puts back. */
const V8_GROWTH_FACTOR = 2;

/**
 * Lets the new space grow again as V8 would (after holdNewSpace()). Returns false where V8
 * refuses the flag.
 */
export function releaseNewSpace(): boolean {
  try {
    setFlagsFromString(`--semi-space-growth-factor=${V8_GROWTH_FACTOR}`);
    return true;
  } catch {
    return false;
  }
}

const startupWork: Promise<unknown>[] = [];

/**
 * Work a service runs in the background as part of its start-up (the query service's warm-up of
 * its read paths): a new space held for start-up is released only once it is done.
 */
export function duringStartup(work: Promise<unknown>): void {
  startupWork.push(work);
}

/** releaseNewSpace() once the start-up work registered so far (duringStartup) is done. */
export async function releaseNewSpaceAfterStartup(): Promise<void> {
  await Promise.allSettled(startupWork);
  releaseNewSpace();
}

/**
 * How a process's new space is sized (ZTSDB_V8_NEW_SPACE): `held` small for good, `startup`
 * small until the service has started and V8's own after, `grow` V8's own throughout. `auto`
 * holds it in the compactor, whose merges' decoded columns and encoded blocks die young (its
 * cold merge peaked 40-50 MiB lower, for no more CPU), and elsewhere during start-up alone:
 * loading the modules and the service's start grew it to its 32 MiB in the first two seconds,
 * which an idle query service then kept (25 MiB of its start-up peak and idle RSS). Past
 * start-up, an ingestor's sample batches and sealed chunks outlive a few 1 MiB scavenges and
 * then fill the old generation (a higher peak), and the query service's heavier queries took
 * 5-20 % more CPU with it held.
 */
export function newSpacePlan(setting: string, compactor: boolean): 'held' | 'startup' | 'grow' {
  if (setting === 'small') return 'held';
  if (setting === 'grow') return 'grow';
  return compactor ? 'held' : 'startup';
}
