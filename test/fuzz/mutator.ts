/** Small deterministic PRNG (mulberry32): a run is reproducible from its seed. */
export class Rng {
  constructor(private state: number) {}

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

const INTERESTING_32 = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
];

/**
 * libFuzzer-style byte mutations (flip, set interesting values, insert,
 * erase, copy, splice with another corpus entry, shrink or grow), one to four
 * per call. Used where the coverage-guided engine is not available.
 */
export function mutate(input: Uint8Array, other: Uint8Array, rng: Rng, maxLen = 4096): Uint8Array {
  let b = Array.from(input);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const n = b.length;
    switch (rng.int(9)) {
      case 0:
        if (n) b[rng.int(n)]! ^= 1 << rng.int(8);
        break;
      case 1:
        if (n) b[rng.int(n)] = rng.int(256);
        break;
      case 2: {
        // An interesting u32 (either byte order) over any 4 bytes: counts, lengths, offsets.
        if (n < 4) break;
        const at = rng.int(n - 3);
        const v = INTERESTING_32[rng.int(INTERESTING_32.length)]! + (rng.int(3) - 1);
        for (let i = 0; i < 4; i++) {
          const byte = (v >>> (8 * i)) & 0xff;
          b[rng.int(2) ? at + i : at + 3 - i] = byte;
        }
        break;
      }
      case 3: {
        const at = rng.int(n + 1);
        const k = 1 + rng.int(16);
        const fill = rng.int(2) ? rng.int(256) : -1;
        b.splice(at, 0, ...Array.from({ length: k }, () => (fill < 0 ? rng.int(256) : fill)));
        break;
      }
      case 4:
        if (n) b.splice(rng.int(n), 1 + rng.int(Math.min(n, 32)));
        break;
      case 5: {
        if (n < 2) break;
        const from = rng.int(n);
        const len = 1 + rng.int(Math.min(32, n - from));
        const to = rng.int(n);
        b.splice(to, 0, ...b.slice(from, from + len));
        break;
      }
      case 6: {
        if (!other.length) break;
        const cut = rng.int(n + 1);
        const from = rng.int(other.length);
        b = b.slice(0, cut).concat(Array.from(other.subarray(from, from + 1 + rng.int(256))));
        break;
      }
      case 7:
        if (n) b.length = rng.int(n);
        break;
      default:
        if (n) b[rng.int(n)] = (b[rng.int(n)]! + rng.int(35) - 17) & 0xff;
    }
  }
  if (b.length > maxLen) b.length = maxLen;
  return Uint8Array.from(b);
}
