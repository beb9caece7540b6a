import { ImageScratch } from './image-scratch';

describe('ImageScratch', () => {
  it('hands the kept buffer out again while it is large enough, with half of room', () => {
    const s = new ImageScratch(2048);
    const a = s.take(800);
    expect(a.length).toBe(1200);
    expect(s.keptBytes).toBe(0);
    s.give(a);
    expect(s.keptBytes).toBe(1200);
    expect(s.take(1200)).toBe(a);
    expect(s.keptBytes).toBe(0);
  });

  it('lets a kept buffer too small for an image go, and keeps the largest given back', () => {
    const s = new ImageScratch(4096);
    const small = s.take(100);
    s.give(small);
    const large = s.take(1000);
    expect(large).not.toBe(small);
    expect(s.keptBytes).toBe(0); // not held beside the larger one
    s.give(large);
    expect(s.keptBytes).toBe(large.length);
    s.give(small);
    expect(s.keptBytes).toBe(large.length);
  });

  it('keeps nothing over its bound, and allocates such an image to the byte', () => {
    const s = new ImageScratch(1000);
    const over = s.take(950); // 950 + 475 is over the bound: no room added
    expect(over.length).toBe(950);
    s.give(new Uint8Array(1001));
    expect(s.keptBytes).toBe(0);
    s.give(over);
    expect(s.keptBytes).toBe(950);
  });

  it('with a bound of 0 keeps nothing', () => {
    const s = new ImageScratch(0);
    const a = s.take(10);
    expect(a.length).toBe(10);
    s.give(a);
    expect(s.keptBytes).toBe(0);
    expect(s.take(10)).not.toBe(a);
  });

  it('lets the kept buffer go when dropped', () => {
    const s = new ImageScratch(1024);
    const a = s.take(100);
    s.give(a);
    s.drop();
    expect(s.keptBytes).toBe(0);
    expect(s.take(100)).not.toBe(a);
  });
});
