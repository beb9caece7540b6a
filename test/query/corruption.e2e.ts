import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encodeChunk } from '@ztsdb/chunkenc';
import { ensureTopology, manifestSubject, resolvePartitions } from '@ztsdb/bus';
import { partitionOf } from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { coldFileName, encodeColdFile, encodeWarmSegment, warmFileName } from '@ztsdb/tsdb';
import { writeFileAtomic } from '@ztsdb/fileutil';
import { addedEvent } from '@ztsdb/manifest';
import { encodeManifestEvent, manifestEventId, type ManifestEvent } from '@ztsdb/wire';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';
import { registerSeries } from './pipeline-helpers';

function flipBit(file: string, offset: number): void {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, offset);
  b[0] = b[0]! ^ 0x10;
  fs.writeSync(fd, b, 0, 1, offset);
  fs.closeSync(fd);
}

describe('a bit flipped in a warm or cold file', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let http: string;
  let env: Record<string, string>;
  let query: ZtsdbProcess;
  const data = tempDir('ztsdb-corrupt-');
  const ready = async (): Promise<void> => {
    await waitFor(
      async () => (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200,
      'the query service',
      20_000,
    );
  };
  /**
   * A running service checked each file's bytes when it decoded them and keeps the decoded
   * points (DecodedCache); damage that appears later is met by the next reader that decodes
   * the file: here, a restarted service.
   */
  const restartQuery = async (): Promise<void> => {
    await query.stop();
    query = ZtsdbProcess.start(['query'], env);
    await ready();
  };

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    await resolvePartitions((await ensureTopology(nc)).config, 4);
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    env = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_HOT_TIMEOUT_MS: '200',
    };
    query = ZtsdbProcess.start(['query'], env);
    await ready();
  });

  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  it('answers from everything else and names the skipped file', async () => {
    const t = await ensureTopology(nc);
    const name = 'container.cpu.usage.cccccccccccc';
    const id = await registerSeries(t, name, {
      __name__: 'container_cpu_usage',
      container_id: 'cccccccccccc',
    });
    const p = partitionOf(id, 4);
    const base = 1_760_000_000_000;
    const ts = Float64Array.from({ length: 900 }, (_, i) => base + i * 1000);
    const vs = Float64Array.from({ length: 900 }, (_, i) => i / 4);
    const record = async (e: ManifestEvent): Promise<void> => {
      await jetstream(nc).publish(manifestSubject(p), encodeManifestEvent(e), {
        msgID: manifestEventId(e),
      });
    };
    // cold: points 0..299; warm: two chunks 300..449 and 450..599; a second warm file 600..899 that will be truncated.
    const coldRel = `cold/p${p}/${coldFileName(0, 1)}`;
    const cold = encodeColdFile({ partition: p, windowStart: 0, windowEnd: base * 2 }, [
      { seriesId: id, version: 1, timestamps: ts.slice(0, 300), values: vs.slice(0, 300) },
    ]);
    const warmRel = `warm/p${p}/${warmFileName(1)}`;
    const chunk = (a: number, b: number, version: number) => ({
      seriesId: id,
      minT: ts[a]!,
      maxT: ts[b - 1]!,
      count: b - a,
      version,
      bytes: encodeChunk(ts, vs, a, b),
    });
    const warm = encodeWarmSegment(p, [chunk(300, 450, 2), chunk(450, 600, 3)]);
    const warm2Rel = `warm/p${p}/${warmFileName(2)}`;
    const warm2 = encodeWarmSegment(p, [chunk(600, 900, 4)]);
    for (const [rel, pieces] of [
      [coldRel, cold],
      [warmRel, warm],
      [warm2Rel, warm2],
    ] as const) {
      fs.mkdirSync(path.dirname(path.join(data.path, rel)), { recursive: true });
      await writeFileAtomic(path.join(data.path, rel), pieces);
    }
    await record(
      addedEvent('cold-added', p, coldRel, cold, {
        minT: ts[0]!,
        maxT: ts[299]!,
        seriesCount: 1,
        points: 300,
      }),
    );
    await record(
      addedEvent('warm-added', p, warmRel, warm, {
        minT: ts[300]!,
        maxT: ts[599]!,
        seriesCount: 1,
        points: 300,
      }),
    );
    await record(
      addedEvent('warm-added', p, warm2Rel, warm2, {
        minT: ts[600]!,
        maxT: ts[899]!,
        seriesCount: 1,
        points: 300,
      }),
    );
    const url = `${http}/query?series=${name}&start=${base}&end=${base + 900_000}`;
    const whole = await waitFor(async () => {
      const r = await getJson(url);
      return r.body.points?.length === 900 ? r.body : undefined;
    }, 'the catalog to show the files');
    expect(whole.warnings).toBeUndefined();
    expect(whole.missingPartitions).toEqual([{ partition: p, reason: 'no ingestor owns it' }]);

    // One bit in the first warm chunk's bytes (right after the 16-byte header).
    flipBit(path.join(data.path, warmRel), 16 + 20);
    await restartQuery();
    const w = (await getJson(url)).body;
    expect(w.points).toHaveLength(750);
    expect(w.points[0]).toEqual([base, 0]);
    expect(w.points[300]).toEqual([ts[450], vs[450]]);
    expect(w.warnings).toEqual([
      expect.objectContaining({ file: warmRel, code: 'ZTSDB_WARM_CORRUPT' }),
    ]);

    // One bit in the cold file's first block (after the 32-byte header).
    flipBit(path.join(data.path, coldRel), 32 + 10);
    await restartQuery();
    const c = (await getJson(url)).body;
    expect(c.points).toHaveLength(450);
    expect(c.warnings.map((x: { file: string }) => x.file).sort()).toEqual(
      [coldRel, warmRel].sort(),
    );

    // A damaged footer makes the whole file unusable: reported, the rest served. (New readers open it afresh.)
    const full2 = path.join(data.path, warm2Rel);
    flipBit(full2, fs.statSync(full2).size - 2);
    const rel3 = `warm/p${p}/${warmFileName(3)}`;
    fs.copyFileSync(full2, path.join(data.path, rel3));
    await record(
      addedEvent('warm-added', p, rel3, warm2, {
        minT: ts[600]!,
        maxT: ts[899]!,
        seriesCount: 1,
        points: 300,
      }),
    );
    const f = await waitFor(async () => {
      const r = (await getJson(url)).body;
      return r.warnings?.some((x: { file: string }) => x.file === rel3) ? r : undefined;
    }, 'the damaged file to be reported');
    expect(f.warnings.find((x: { file: string }) => x.file === rel3).message).toMatch(
      /footer CRC-32C mismatch/,
    );
    expect(f.points.length).toBeGreaterThanOrEqual(450);
  });
});
