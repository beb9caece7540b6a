/// <reference lib="dom" />
// Web UI benchmark: the Containers page with 1,000 containers (BENCH_CONTAINERS), in Debian's
// Chromium driven by playwright-core, against `ztsdb all` with the synthetic source. Measures
// first render (navigation start → the first table of data drawn, a Performance API mark set
// by the page) over BENCH_LOADS page loads, and the main-thread time of each live refresh
// (thread CPU time of the renderer main thread's tasks in a performance trace across one
// refresh: fetch callbacks, JSON parsing, the model update, rendering, layout and paint; wall
// time too, which on a loaded machine also counts waiting for a core) over BENCH_REFRESHES
// refreshes. Targets:
// first render < 1 s, refresh < 100 ms. Last line: one JSON object.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { mainThreadTime, TRACE_CATEGORIES } from './main-thread';

const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 1000);
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const REFRESHES = Number(process.env.BENCH_REFRESHES ?? 8);
const REFRESH_SEC = 5;
// With BENCH_TRACE_DIR set, each refresh's trace is saved there (refresh-<n>.json) for a closer look.
const TRACE_DIR = process.env.BENCH_TRACE_DIR;
// … with the events that name the work (scripts, style, layout, paint, GC, network).
const DETAIL_CATEGORIES = ['devtools.timeline', 'v8', 'blink', 'loading', 'netlog'];
const ROOT = join(__dirname, '..', '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const r1 = (x: number): number => Math.round(x * 10) / 10;

function bundleGzipBytes(): { files: number; gzip: number; raw: number } {
  const dir = join(ROOT, 'dist', 'web');
  let gzip = 0;
  let raw = 0;
  let files = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else {
        const b = readFileSync(join(d, e.name));
        raw += b.length;
        gzip += gzipSync(b, { level: 9 }).length;
        files++;
      }
    }
  };
  walk(dir);
  return { files, gzip, raw };
}

async function main(): Promise<void> {
  const bundle = bundleGzipBytes();
  console.log(`bundle: ${bundle.files} files, ${bundle.raw} bytes, ${bundle.gzip} bytes gzipped`);
  const nats = await NatsServer.start();
  const data = tempDir('ztsdb-bench-web-');
  const port = await freePort();
  const http = `http://127.0.0.1:${port}`;
  const stack = spawn(process.execPath, [join(ROOT, 'bin', 'ztsdb.js'), 'all'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NATS_URL: nats.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: String(CONTAINERS),
      ZTSDB_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Launched inside the try: a browser that fails to start still stops the stack.
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    await waitFor(
      async () => {
        const r = await fetch(`${http}/api/v1/query?query=count(container_memory_bytes)`).catch(
          () => undefined,
        );
        if (!r?.ok) return false;
        const b = (await r.json()) as { data: { result: Array<{ value: [number, string] }> } };
        return b.data.result[0]?.value[1] === String(CONTAINERS);
      },
      `${CONTAINERS} synthetic containers to report`,
      120_000,
    );
    console.log(`stack up: ${CONTAINERS} containers reporting`);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(60_000);

    const firstRender: number[] = [];
    const firstRenderCpu: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto('about:blank');
      await browser.startTracing(page, { categories: TRACE_CATEGORIES });
      await page.goto(`${http}/?refresh=0`);
      await page.waitForFunction(
        (n) =>
          document.querySelector('[data-testid="containers-table"]')?.getAttribute('data-rows') ===
            String(n) && performance.getEntriesByName('ztsdb:containers-first-render').length > 0,
        CONTAINERS,
      );
      const ms = await page.evaluate(
        () => performance.getEntriesByName('ztsdb:containers-first-render')[0]!.startTime,
      );
      const cpu = mainThreadTime(await browser.stopTracing()).cpuMs;
      firstRender.push(ms);
      firstRenderCpu.push(cpu);
      console.log(
        `load ${i + 1}: first render at ${r1(ms)} ms (wall, with the server's answers); main thread ${r1(cpu)} ms CPU`,
      );
    }

    await page.goto(`${http}/?refresh=${REFRESH_SEC}`);
    await page.waitForFunction(
      () =>
        Number(
          document.querySelector('[data-testid="containers-table"]')?.getAttribute('data-version'),
        ) >= 1,
    );
    const version = () =>
      page.evaluate(() =>
        Number(
          document.querySelector('[data-testid="containers-table"]')!.getAttribute('data-version'),
        ),
      );
    const refresh: number[] = [];
    const refreshWall: number[] = [];
    for (let i = 0; i < REFRESHES; i++) {
      const v = await version();
      // Just after a refresh the page is idle until the next one: trace from here to the end
      // of the next refresh, its rendering and any sparkline update that follows it.
      await page.waitForTimeout(1000);
      await browser.startTracing(page, {
        categories: TRACE_DIR ? [...TRACE_CATEGORIES, ...DETAIL_CATEGORIES] : TRACE_CATEGORIES,
      });
      await page.waitForFunction(
        (x) =>
          Number(
            document
              .querySelector('[data-testid="containers-table"]')!
              .getAttribute('data-version'),
          ) > x,
        v,
        { polling: 200 },
      );
      await page.waitForTimeout(1500);
      const trace = await browser.stopTracing();
      if (TRACE_DIR) {
        mkdirSync(TRACE_DIR, { recursive: true });
        writeFileSync(join(TRACE_DIR, `refresh-${i + 1}.json`), trace);
      }
      const t = mainThreadTime(trace);
      refresh.push(t.cpuMs);
      refreshWall.push(t.wallMs);
      console.log(
        `refresh ${i + 1}: main thread ${r1(t.cpuMs)} ms CPU (${r1(t.wallMs)} ms wall, ${t.tasks} tasks)`,
      );
    }
    const figures = {
      bench: 'web',
      containers: CONTAINERS,
      bundle_gzip_bytes: bundle.gzip,
      first_render_ms_p50: r1(pct(firstRender, 50)),
      first_render_ms_max: r1(Math.max(...firstRender)),
      first_render_main_thread_cpu_ms_p50: r1(pct(firstRenderCpu, 50)),
      refresh_main_thread_ms_p50: r1(pct(refresh, 50)),
      refresh_main_thread_ms_max: r1(Math.max(...refresh)),
      refresh_main_thread_wall_ms_p50: r1(pct(refreshWall, 50)),
      load_average: r1(loadavg()[0]!),
      rss_mb: Math.round(process.memoryUsage().rss / 1e6),
    };
    console.log(
      `first render p50 ${figures.first_render_ms_p50} ms wall (max ${figures.first_render_ms_max}), main thread ${figures.first_render_main_thread_cpu_ms_p50} ms CPU; target < 1000 ms`,
    );
    console.log(
      `refresh main thread p50 ${figures.refresh_main_thread_ms_p50} ms CPU (max ${figures.refresh_main_thread_ms_max}; wall p50 ${figures.refresh_main_thread_wall_ms_p50}), target < 100 ms`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    await browser?.close();
    stack.kill('SIGTERM');
    await new Promise((r) => stack.once('exit', r));
    await nats.stop();
    data.remove();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
