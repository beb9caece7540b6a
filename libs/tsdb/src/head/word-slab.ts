/** Words per page: 1 MiB pages, so the largest region (a whole page) holds any chunk's bit stream. */
export const SLAB_PAGE_WORDS = 1 << 18;
/** Whole free pages kept for reuse; more are given back (a head that sealed everything needs none). */
const SPARE_PAGES = 1;
/** Stands for a page given back: no reference points into it. */
const NO_PAGE = new Int32Array(0);
const NO_VIEW = new DataView(NO_PAGE.buffer);
/** Smallest region: 8 words (32 bytes); class c holds 8 << c words. */
const MIN_REGION_WORDS = 8;
export const SLAB_CLASSES = 16; // 8 << 15 = SLAB_PAGE_WORDS

/** Size class of the smallest region holding `words` words (capped at a whole page). */
export function slabClassFor(words: number): number {
  let c = 0;
  while (c < SLAB_CLASSES - 1 && MIN_REGION_WORDS << c < words) c++;
  return c;
}

/** Words in a region of class `c`. */
export function slabClassWords(c: number): number {
  return MIN_REGION_WORDS << c;
}

/**
 * Int32 words for many small growable streams (the head's open chunks) in
 * shared 1 MiB pages instead of one typed array each: a typed array costs
 * about 300 bytes of objects and allocator bookkeeping besides its data, more
 * than a typical open chunk holds. A buddy allocator: regions come in
 * power-of-two size classes aligned to their size within a page; a larger
 * free region is split to serve a smaller class, and a released region
 * merges with its free buddy, so the regions a growing stream leaves behind
 * serve the next larger class. A page whose regions are all released again is
 * given back (beyond SPARE_PAGES kept for the next chunks): once a backfill's
 * chunks are sealed the head holds no pages, where it kept its peak before.
 */
export class WordSlab {
  /** Pages by number; a page given back is NO_PAGE and its number is reused. */
  readonly pages: Int32Array[] = [];
  /** The same pages as DataViews (a big-endian word store compiles to one swapped store). */
  readonly views: DataView[] = [];
  /** References of the free regions, per class (whole pages in the last class). */
  private readonly free: Set<number>[] = Array.from({ length: SLAB_CLASSES }, () => new Set());
  /** Numbers of pages given back, for reuse. */
  private readonly gone: number[] = [];
  /** Words in regions handed out and not released (for the memory figures and tests). */
  usedWords = 0;

  /** A region of class `c`, as a reference: page * SLAB_PAGE_WORDS + offset. */
  alloc(c: number): number {
    this.usedWords += MIN_REGION_WORDS << c;
    let k = c;
    while (k < SLAB_CLASSES && this.free[k]!.size === 0) k++;
    let ref: number;
    if (k === SLAB_CLASSES) {
      const page = new Int32Array(SLAB_PAGE_WORDS);
      const p = this.gone.pop() ?? this.pages.push(page) - 1;
      this.pages[p] = page;
      this.views[p] = new DataView(page.buffer);
      ref = p * SLAB_PAGE_WORDS;
      k = SLAB_CLASSES - 1;
    } else {
      const list = this.free[k]!;
      ref = list.values().next().value!;
      list.delete(ref);
    }
    // Split down to class c: the upper half of each split is free.
    while (k > c) {
      k--;
      this.free[k]!.add(ref + (MIN_REGION_WORDS << k));
    }
    return ref;
  }

  /** Gives back a region of class `c` that alloc returned. */
  release(ref: number, c: number): void {
    this.usedWords -= MIN_REGION_WORDS << c;
    while (c < SLAB_CLASSES - 1) {
      const words = MIN_REGION_WORDS << c;
      const offset = ref % SLAB_PAGE_WORDS;
      const buddy = ref - offset + (offset ^ words);
      if (!this.free[c]!.delete(buddy)) break;
      ref = Math.min(ref, buddy);
      c++;
    }
    const whole = this.free[c]!;
    if (c === SLAB_CLASSES - 1 && whole.size >= SPARE_PAGES) {
      const p = WordSlab.page(ref);
      this.pages[p] = NO_PAGE;
      this.views[p] = NO_VIEW;
      this.gone.push(p);
    } else whole.add(ref);
  }

  /**
   * Gives back the whole free pages kept for reuse (SPARE_PAGES): for a head that idles, whose
   * next chunks may be hours away (libs/platform's memory release calls it through the head).
   */
  shed(): void {
    const whole = this.free[SLAB_CLASSES - 1]!;
    for (const ref of whole) {
      const p = WordSlab.page(ref);
      this.pages[p] = NO_PAGE;
      this.views[p] = NO_VIEW;
      this.gone.push(p);
    }
    whole.clear();
  }

  /** The page of a reference. */
  static page(ref: number): number {
    return Math.floor(ref / SLAB_PAGE_WORDS);
  }

  /** Bytes of the pages held (what the slab holds from the allocator). */
  get reservedBytes(): number {
    return (this.pages.length - this.gone.length) * SLAB_PAGE_WORDS * 4;
  }
}
