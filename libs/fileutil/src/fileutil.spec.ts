import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { residentKbOf } from '@ztsdb/testing';
import { AtomicFileWriter, MappedFile, fsyncDir, isAtomicTempName, writeFileAtomic } from './index';
import { writeFileAtomicSync } from './write-file-atomic';

describe('fileutil', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-fileutil-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writeFileAtomic writes all chunks, replaces an existing file and leaves no temp file', async () => {
    const target = path.join(dir, 'a.bin');
    fs.writeFileSync(target, 'old contents');
    await writeFileAtomic(target, [Buffer.from('hello '), new Uint8Array(0), Buffer.from('world')]);
    expect(fs.readFileSync(target, 'utf8')).toBe('hello world');
    expect(fs.readdirSync(dir)).toEqual(['a.bin']);
    writeFileAtomicSync(target, [Buffer.from('sync')]);
    expect(fs.readFileSync(target, 'utf8')).toBe('sync');
    expect(fs.readdirSync(dir)).toEqual(['a.bin']);
    await fsyncDir(dir);
  });

  it('writeFileAtomic leaves the target untouched and removes the temp file on failure', async () => {
    const target = path.join(dir, 'sub');
    fs.mkdirSync(target); // renaming a file over a directory fails
    await expect(writeFileAtomic(target, [Buffer.from('x')])).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual(['sub']);
    expect(isAtomicTempName('.a.bin.1.2.tmp')).toBe(true);
    expect(isAtomicTempName('a.bin')).toBe(false);
  });

  it('AtomicFileWriter appends piece by piece under a temp name; abort leaves the target as it was', async () => {
    const target = path.join(dir, 'c.bin');
    const w = await AtomicFileWriter.open(target);
    await w.write([Buffer.from('one ')]);
    // More pieces than one writev takes, an empty one among them.
    const many = Array.from({ length: 2000 }, (_, i) => Buffer.alloc(100, i === 0 ? 0x61 : 0x62));
    await w.write([new Uint8Array(0), ...many]);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(dir).every(isAtomicTempName)).toBe(true);
    await w.commit();
    const got = fs.readFileSync(target);
    expect(got.length).toBe(200_004);
    expect(got.subarray(0, 5).toString()).toBe('one a');
    expect(got.subarray(103, 105).toString()).toBe('ab');
    expect(got.at(-1)).toBe(0x62);
    await expect(w.write([Buffer.from('late')])).rejects.toThrow(/after commit or abort/);
    const again = await AtomicFileWriter.open(target);
    await again.write([Buffer.from('other')]);
    await again.abort();
    await again.abort();
    expect(fs.readdirSync(dir)).toEqual(['c.bin']);
    expect(fs.readFileSync(target).length).toBe(200_004);
  });

  it('MappedFile maps file contents without copying and unmaps on close', () => {
    const target = path.join(dir, 'm.bin');
    const data = Buffer.alloc(3 * 4096 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    fs.writeFileSync(target, data);
    const mf = MappedFile.open(target);
    expect(mf.size).toBe(data.length);
    expect(Buffer.compare(mf.buffer, data)).toBe(0);
    // MAP_SHARED: a write through the file is visible in the mapping (no copy was made).
    const fd = fs.openSync(target, 'r+');
    fs.writeSync(fd, Buffer.from([0xab]), 0, 1, 5);
    fs.closeSync(fd);
    expect(mf.buffer[5]).toBe(0xab);
    mf.close();
    expect(mf.isClosed).toBe(true);
    expect(() => mf.buffer).toThrow(/closed/);
    mf.close(); // idempotent
  });

  it('MappedFile handles zero-length and missing files', () => {
    const empty = path.join(dir, 'empty.bin');
    fs.writeFileSync(empty, '');
    const mf = MappedFile.open(empty);
    expect(mf.buffer.length).toBe(0);
    mf.close();
    expect(() => MappedFile.open(path.join(dir, 'nope'))).toThrow(/ENOENT/);
  });

  it('MappedFile drops the pages of a range from the process, and reads them again', () => {
    const target = path.join(dir, 'drop.bin');
    const data = Buffer.alloc(8 << 20);
    for (let i = 0; i < data.length; i += 4096) data[i] = ((i >> 12) & 0x7f) + 1;
    fs.writeFileSync(target, data);
    const mf = MappedFile.open(target);
    try {
      let sum = 0;
      for (let i = 0; i < data.length; i += 4096) sum += mf.buffer[i]!;
      expect(sum).toBeGreaterThan(0);
      expect(residentKbOf(target)).toBe(8192);
      // Widened to whole 64 KiB: [0, 4 MiB + 1) drops 4 MiB + 64 KiB.
      expect(mf.dropPages(0, (4 << 20) + 1)).toBe((4 << 20) + (64 << 10));
      expect(residentKbOf(target)).toBeLessThanOrEqual(4096);
      expect(mf.dropPages(6 << 20)).toBe(2 << 20); // to the end
      expect(mf.dropPages(5, 5)).toBe(0);
      expect(Buffer.compare(mf.buffer, data)).toBe(0); // mapped again on access
    } finally {
      mf.close();
    }
    expect(mf.dropPages()).toBe(0);
    const empty = path.join(dir, 'empty-drop.bin');
    fs.writeFileSync(empty, '');
    const e = MappedFile.open(empty);
    expect(e.dropPages()).toBe(0);
    e.close();
  });

  it('maps and unmaps many files without leaking', () => {
    const target = path.join(dir, 'x.bin');
    fs.writeFileSync(target, Buffer.alloc(1 << 16, 7));
    for (let i = 0; i < 200; i++) {
      const mf = MappedFile.open(target);
      expect(mf.buffer[(1 << 16) - 1]).toBe(7);
      mf.close();
    }
  });
});
