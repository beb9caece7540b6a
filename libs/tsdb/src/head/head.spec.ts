import { MAX_CHUNK_POINTS } from '@ztsdb/chunkenc';
import { Head } from './head';

describe('Head.appendToOpen (the fast path of appendTo)', () => {
  it('appends only a newer point that fits the open chunk, and otherwise leaves everything as it was', () => {
    const head = new Head({ maxChunkAgeMs: 1000 });
    const s = head.getOrCreate(7n);
    expect(head.appendToOpen(s, 0, 1)).toBe(false); // no open chunk yet
    expect(s.open).toBeNull();
    head.appendTo(s, 0, 1);
    expect(head.appendToOpen(s, 100, 2)).toBe(true);
    expect(s.lastT).toBe(100);
    expect(head.appendToOpen(s, 100, 3)).toBe(false); // same timestamp: out-of-order path
    expect(head.appendToOpen(s, 50, 3)).toBe(false); // older
    expect(head.appendToOpen(s, 1000, 4)).toBe(false); // would make the chunk span maxChunkAgeMs
    expect(s.open!.count).toBe(2);
    expect(s.lastT).toBe(100);
    expect(head.peekSealed()).toHaveLength(0);
  });

  it('refuses a point once the open chunk is full, so appendTo seals it', () => {
    const head = new Head({ maxChunkAgeMs: Number.MAX_SAFE_INTEGER });
    const s = head.getOrCreate(8n);
    head.appendTo(s, 0, 0);
    for (let t = 1; t < MAX_CHUNK_POINTS; t++) expect(head.appendToOpen(s, t, t)).toBe(true);
    expect(s.open!.count).toBe(MAX_CHUNK_POINTS);
    expect(head.appendToOpen(s, MAX_CHUNK_POINTS, 0)).toBe(false);
    head.appendTo(s, MAX_CHUNK_POINTS, 0);
    expect(head.peekSealed()).toHaveLength(1);
    expect(head.peekSealed()[0]!.count).toBe(MAX_CHUNK_POINTS);
  });
});
