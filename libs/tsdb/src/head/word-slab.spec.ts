import { SLAB_CLASSES, SLAB_PAGE_WORDS, WordSlab, slabClassFor, slabClassWords } from './word-slab';

describe('WordSlab', () => {
  it('sizes classes by powers of two from 8 words to a whole page', () => {
    expect(slabClassFor(0)).toBe(0);
    expect(slabClassFor(8)).toBe(0);
    expect(slabClassFor(9)).toBe(1);
    expect(slabClassFor(16)).toBe(1);
    expect(slabClassFor(17)).toBe(2);
    expect(slabClassWords(SLAB_CLASSES - 1)).toBe(SLAB_PAGE_WORDS);
    expect(slabClassFor(SLAB_PAGE_WORDS * 4)).toBe(SLAB_CLASSES - 1);
  });

  it('hands out regions that never overlap, across pages, and reuses released ones', () => {
    const slab = new WordSlab();
    const taken: Array<[number, number]> = [];
    for (let i = 0; i < 3000; i++) {
      const c = i % 9;
      taken.push([slab.alloc(c), c]);
    }
    // One mark per word of every page: a word handed out twice would be marked twice.
    const marks = new Uint8Array(slab.pages.length * SLAB_PAGE_WORDS);
    let overlaps = 0;
    let pastPage = 0;
    for (const [ref, c] of taken) {
      const end = ref + slabClassWords(c);
      if (end > (WordSlab.page(ref) + 1) * SLAB_PAGE_WORDS) pastPage++;
      for (let w = ref; w < end; w++) if ((marks[w] = marks[w]! + 1) > 1) overlaps++;
    }
    expect(overlaps).toBe(0);
    expect(pastPage).toBe(0);
    expect(slab.pages.length).toBeGreaterThan(1);
    const used = slab.usedWords;
    const [ref, c] = taken[10]!;
    slab.release(ref, c);
    expect(slab.usedWords).toBe(used - slabClassWords(c));
    taken[10] = [slab.alloc(c), c];
    const pages = slab.pages.length;
    for (let i = 0; i < 3000; i++) slab.release(...taken[i]!);
    expect(slab.usedWords).toBe(0);
    // Released regions merge back into whole pages: the same regions again need no new page.
    for (let i = 0; i < 3000; i++) slab.alloc(taken[i]![1]);
    expect(slab.pages.length).toBe(pages);
  });

  it('splits a free region for a smaller class and merges released buddies back into a page', () => {
    const slab = new WordSlab();
    const a = slab.alloc(0); // splits a fresh page down to 8 words
    const b = slab.alloc(0); // its buddy
    expect(b).toBe(a + 8);
    const big = slab.alloc(SLAB_CLASSES - 2); // the page's other half
    expect(slab.pages.length).toBe(1);
    expect(WordSlab.page(big)).toBe(0);
    slab.release(a, 0);
    slab.release(b, 0);
    slab.release(big, SLAB_CLASSES - 2);
    expect(slab.usedWords).toBe(0);
    // Everything merged back: a whole page is available without a new one.
    expect(slab.alloc(SLAB_CLASSES - 1)).toBe(0);
    expect(slab.pages.length).toBe(1);
  });

  it('lets the regions left by streams that grew together serve their next size', () => {
    const slab = new WordSlab();
    let refs = Array.from({ length: 4096 }, () => slab.alloc(0));
    for (let c = 1; c <= 6; c++) {
      refs = refs.map((r) => {
        const next = slab.alloc(c);
        slab.release(r, c - 1);
        return next;
      });
    }
    // 4096 regions of 512 words are 8 pages; growing through the smaller classes takes at most one more.
    expect(slab.usedWords).toBe(4096 * 512);
    expect(slab.pages.length).toBeLessThanOrEqual(9);
  });

  it('gives back pages whose regions are all released, keeping one spare, and reuses their numbers', () => {
    const slab = new WordSlab();
    const page = SLAB_PAGE_WORDS * 4;
    // 5 pages of 4 KiB regions, then every region released again.
    const refs = Array.from({ length: 5 * 256 }, () => slab.alloc(7));
    expect(slab.pages.length).toBe(5);
    expect(slab.reservedBytes).toBe(5 * page);
    for (const r of refs) slab.release(r, 7);
    expect(slab.usedWords).toBe(0);
    expect(slab.reservedBytes).toBe(page);
    expect(slab.pages.filter((p) => p.length > 0)).toHaveLength(1);
    // New regions take the spare page first, then the numbers of pages given back.
    const again = Array.from({ length: 3 * 256 }, () => slab.alloc(7));
    expect(slab.pages.length).toBe(5);
    expect(slab.reservedBytes).toBe(3 * page);
    // Every region handed out lies in a held page and can be written.
    for (const r of again) {
      const p = slab.pages[WordSlab.page(r)]!;
      expect(p.length).toBe(SLAB_PAGE_WORDS);
      p[r % SLAB_PAGE_WORDS] = 7;
      expect(p[r % SLAB_PAGE_WORDS]).toBe(7);
    }
    // A page with one region still in use is kept.
    for (const r of again.slice(1)) slab.release(r, 7);
    expect(slab.reservedBytes).toBe(2 * page);
  });

  it('sheds its spare pages, keeping those in use, and takes new ones afterwards', () => {
    const slab = new WordSlab();
    const page = SLAB_PAGE_WORDS * 4;
    const refs = Array.from({ length: 3 * 256 }, () => slab.alloc(7));
    for (const r of refs.slice(1)) slab.release(r, 7);
    expect(slab.reservedBytes).toBe(2 * page); // the page in use and the spare
    slab.shed();
    expect(slab.reservedBytes).toBe(page);
    const kept = slab.pages[WordSlab.page(refs[0]!)]!;
    expect(kept.length).toBe(SLAB_PAGE_WORDS);
    slab.release(refs[0]!, 7);
    slab.shed();
    expect(slab.reservedBytes).toBe(0);
    expect(slab.pages.every((p) => p.length === 0)).toBe(true);
    const r = slab.alloc(SLAB_CLASSES - 1);
    expect(slab.reservedBytes).toBe(page);
    expect(slab.pages[WordSlab.page(r)]!.length).toBe(SLAB_PAGE_WORDS);
    expect(slab.usedWords).toBe(SLAB_PAGE_WORDS);
  });
});
