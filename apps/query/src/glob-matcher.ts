/** A compiled string test: globs, regular expressions and literals answer the same way. */
export interface StringMatcher {
  test(text: string): boolean;
}

/**
 * Whether `text` matches `glob` as a whole: `*` any run of characters
 * (possibly empty), `?` exactly one character, every other character itself.
 * The greedy two-pointer walk: on a mismatch, retry from the last `*` one
 * character further on. Each retry moves the text mark forward, so the work
 * is at most glob length × text length, whatever the pattern (no
 * backtracking blow-up, unlike a glob turned into a JavaScript RegExp).
 * Characters are code points, so `?` matches one emoji too.
 */
export function globMatch(glob: readonly string[], text: readonly string[]): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const g = glob[p];
    if (g !== undefined && g !== '*' && (g === '?' || g === text[t])) {
      p++;
      t++;
    } else if (g === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (glob[p] === '*') p++;
  return p === glob.length;
}

/** A glob compiled once for many texts. */
export function compileGlob(glob: string): StringMatcher {
  const g = Array.from(glob);
  // Runs of stars mean one star; fewer retries.
  const squeezed = g.filter((c, i) => c !== '*' || g[i - 1] !== '*');
  return { test: (text) => globMatch(squeezed, Array.from(text)) };
}

/** Whether text holds glob wildcards (and so is a glob rather than a name). */
export function isGlob(text: string): boolean {
  return text.includes('*') || text.includes('?');
}
