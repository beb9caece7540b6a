import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { STREAM_CHUNKS } from '@ztsdb/bus';
import { partitionOf, seriesKey } from '@ztsdb/model';
import { tempDir, waitFor } from '@ztsdb/testing';
import { WarmReader, type VersionedPoints } from '@ztsdb/tsdb';
import { TieredStore } from '../../apps/query/src/tiered-store';
import { COMPACTOR_CONSUMER } from '../../apps/compactor/src/warm-sink';
import { CompactorTestBed, PARTITIONS } from './compactor-test-bed';

/** Fills the file system of `dir` to the last byte with one file; returns its path. */
function fillUp(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024, 7);
  try {
    for (let size = block.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          fs.writeSync(fd, block, 0, size);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

describe('compactor on a full disk (tmpfs)', () => {
  const root = tempDir('ztsdb-diskfull-');
  const mnt = path.join(root.path, 'data');
  let mounted = false;
  let bed: CompactorTestBed;
  let store: TieredStore | undefined;

  beforeAll(async () => {
    expect(process.getuid?.()).toBe(0); // mounting a tmpfs needs root
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    mounted = true;
    bed = await CompactorTestBed.start(mnt);
  });

  afterAll(async () => {
    await store?.stop();
    await bed?.close();
    if (mounted) execFileSync('umount', [mnt]);
    root.remove();
  });

  it('stops acknowledging, warns once a minute, keeps serving reads and resumes without loss', async () => {
    await bed.publishChunks(0, 200);
    const compactor = await bed.startCompactor({ stallLogMs: 60_000 });
    await bed.waitAllAcked();
    store = new TieredStore(bed.nc, mnt, (m) => bed.logs.push(`QUERY ${m}`));
    await store.start();
    const filesBefore = bed.filesOnDisk();

    const filler = fillUp(mnt);
    await bed.publishChunks(1000, 200);
    await waitFor(
      () => bed.logs.some((l) => /disk is full/.test(l)),
      'the compactor to report the full disk',
      10_000,
    );
    // Several failed attempts later: still one line, nothing acknowledged, no new or partial file.
    const jsm = await jetstreamManager(bed.nc);
    await new Promise((r) => setTimeout(r, 3000));
    expect(bed.logs.filter((l) => /disk is full/.test(l))).toHaveLength(1);
    const info = await jsm.consumers.info(STREAM_CHUNKS, COMPACTOR_CONSUMER);
    expect(info.num_ack_pending + info.num_pending).toBe(200);
    expect(bed.filesOnDisk()).toEqual(filesBefore);

    // Reads of what is on disk go on: one series of the first 200, from its warm file.
    const id = (1n * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    const out: VersionedPoints[] = [];
    await store.read(partitionOf(id, PARTITIONS), id, 0, Infinity, out, (e) => fail(e));
    expect(out.reduce((n, u) => n + u.timestamps.length, 0)).toBe(10);

    fs.rmSync(filler);
    await bed.waitAllAcked();
    expect(bed.logs.some((l) => /written again after \d+ s; nothing was lost/.test(l))).toBe(true);
    await bed.stopCompactor(compactor);

    // Every chunk of both rounds is in exactly one live warm file.
    const found = new Map<string, number>();
    for (const f of (await bed.catalog()).live()) {
      const r = WarmReader.open(path.join(mnt, f.file));
      for (const c of r.chunks((e) => fail(e))) {
        const k = `${seriesKey(c.seriesId)}/${c.minT}`;
        found.set(k, (found.get(k) ?? 0) + 1);
      }
      r.close();
    }
    expect(found.size).toBe(400);
    expect([...found.values()].every((n) => n === 1)).toBe(true);
    expect(bed.filesOnDisk().filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
