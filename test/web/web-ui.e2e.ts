/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { launchChromium } from '../support/browser';
import { freePort, getJson, REPO_ROOT, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

const ARTIFACTS = join(REPO_ROOT, 'test', 'artifacts', 'web');
const CONTAINERS = 5;

/**
 * The web UI in a real browser (Debian's Chromium, driven by playwright-core) against a whole
 * stack fed by the synthetic source: every page shows real data from the public HTTP API.
 */
describe('web UI in Chromium against ztsdb all', () => {
  let server: NatsServer;
  let ztsdb: ZtsdbProcess;
  let browser: Browser;
  let page: Page;
  let http: string;
  const data = tempDir('ztsdb-web-');
  const consoleErrors: string[] = [];
  // The bad query's own HTTP 400 is the one error the browser may log.
  let allowBadRequest = false;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await NatsServer.start();
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    ztsdb = ZtsdbProcess.start(['all'], {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: String(CONTAINERS),
      ZTSDB_COLLECT_INTERVAL_MS: '250',
      // The Cluster page's checks below count these.
      ZTSDB_PARTITIONS: '4',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (allowBadRequest && /status of 400/.test(m.text())) return;
      consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await waitFor(
      async () => (await getJson(`${http}/readyz`)).status === 200,
      'the query service to be ready',
      20_000,
    );
    // Every container has reported at least twice.
    await waitFor(
      async () => {
        const r = await getJson(`${http}/api/v1/query?query=count(container_memory_bytes)`);
        return r.body?.data?.result?.[0]?.value?.[1] === String(CONTAINERS);
      },
      'the synthetic containers to report',
      20_000,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await ztsdb?.stop();
    await stopAllZtsdb();
    await server?.stop();
    data.remove();
  });

  it('serves the built UI with caching headers, and keeps JSON answers for API paths', async () => {
    const index = await fetch(`${http}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${http}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = asset.headers.get('etag')!;
    const again = await fetch(`${http}${script}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    // UI routes give the app; API and unknown paths keep their JSON.
    for (const route of ['/explore', '/cluster', '/containers/abc']) {
      const r = await fetch(`${http}${route}`);
      expect([route, r.status, await r.text()]).toEqual([route, 200, html]);
    }
    const api = await getJson(`${http}/api/v1/no_such_endpoint`);
    expect(api.status).toBe(404);
    expect(api.body.errorType).toBe('not_found');
    expect((await getJson(`${http}/no/such/page`)).status).toBe(404);
    expect((await getJson(`${http}/assets/missing.js`)).body.code).toBe('ZTSDB_NOT_FOUND');
  });

  it('Containers lists every container with its metrics and refreshes live', async () => {
    const names = (await getJson(`${http}/api/v1/label/container_name/values`)).body.data;
    expect(names).toHaveLength(CONTAINERS);
    await page.goto(`${http}/?refresh=1`);
    const table = page.getByTestId('containers-table');
    await table
      .locator(`tbody tr[data-id]`)
      .nth(CONTAINERS - 1)
      .waitFor();
    const shown = await table.locator('tbody tr[data-id] td:first-child').allTextContents();
    expect(shown.sort()).toEqual([...names].sort());
    // Memory is never zero for a synthetic container: every row shows a real value.
    const memory = await table.locator('td[data-col="mem"]').allTextContents();
    expect(memory.every((m) => /^\d+(\.\d)? (KiB|MiB|GiB)$/.test(m))).toBe(true);
    // Live: new refreshes arrive and the CPU column changes with the data.
    const before = await table.locator('td[data-col="cpu"]').allTextContents();
    const v0 = Number(await table.getAttribute('data-version'));
    await page.waitForFunction(
      ([v, cpu]) => {
        const t = document.querySelector('[data-testid="containers-table"]')!;
        const now = [...t.querySelectorAll('td[data-col="cpu"]')].map((c) => c.textContent);
        return Number(t.getAttribute('data-version')) > v + 1 && now.join() !== cpu;
      },
      [v0, before.join()] as const,
      { timeout: 15_000 },
    );
    // Sparklines are SVG paths (in the SVG namespace, or nothing would be drawn) with a line.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('svg.spark path')].filter(
          (p) => p instanceof SVGPathElement && p.getAttribute('d')?.startsWith('M'),
        ).length >= 10,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'containers.png') });
    // Filtering by a name leaves that one container.
    await page.getByLabel('filter containers').fill(names[0]);
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="containers-table"]')?.getAttribute('data-rows') ===
        '1',
    );
    // Sorting by name ascending orders the rows.
    await page.getByLabel('filter containers').fill('');
    await page.locator('th', { hasText: 'Name' }).click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="containers-table"] tr[data-id]').length === n,
      CONTAINERS,
    );
    const sorted = await table.locator('tbody tr[data-id] td:first-child').allTextContents();
    expect(sorted).toEqual([...sorted].sort());
  });

  it('Container detail shows the labels and a chart of each metric', async () => {
    await page.goto(`${http}/`);
    const link = page.locator('[data-testid="containers-table"] tbody tr[data-id] a').first();
    const name = (await link.textContent())!;
    await link.click();
    await page.waitForFunction(() => /^\/containers\/[0-9a-f]{12}$/.test(location.pathname));
    await expect(page.getByTestId('container-title').textContent()).resolves.toBe(name);
    const labels = (await page.getByTestId('container-labels').textContent())!;
    expect(labels).toContain(`container_name="${name}"`);
    expect(labels).toContain('runtime="docker"');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="detail-chart"] canvas').length === 6,
    );
    // The CPU chart's one series has drawn points: uPlot's data is there. Memory has two:
    // the working set and usage with the page cache.
    const charts = await page
      .getByTestId('detail-chart')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-series')));
    expect(charts).toEqual(['1', '2', '2', '2', '2', '2']);
    await page.screenshot({ path: join(ARTIFACTS, 'container-detail.png'), fullPage: true });
  });

  it('Explore draws a PromQL query with one line per series, and shows a bad query’s error', async () => {
    const query = 'container_memory_bytes';
    await page.goto(`${http}/explore`);
    const editor = page.locator('[data-testid="promql-editor"] .cm-content');
    await editor.click();
    await page.keyboard.type(query.slice(0, 14));
    // Completion of metric names from the server's metadata.
    await page.locator('.cm-tooltip-autocomplete', { hasText: query }).waitFor();
    await page.keyboard.type(query.slice(14));
    await page.keyboard.press('Escape');
    await page.getByTestId('run-query').click();
    await page.waitForFunction((q) => new URLSearchParams(location.search).get('q') === q, query);
    const chart = page.getByTestId('explore-chart');
    await chart.locator('canvas').waitFor();
    const range = await getJson(
      `${http}/api/v1/query_range?query=${query}&start=${Date.now() / 1000 - 900}&end=${Date.now() / 1000}&step=2`,
    );
    expect(range.body.data.result).toHaveLength(CONTAINERS);
    expect(await chart.getAttribute('data-series')).toBe(String(CONTAINERS));
    // uPlot's legend: the time row plus one row per series.
    expect(await chart.locator('.u-legend tr.u-series').count()).toBe(CONTAINERS + 1);
    await expect(page.getByTestId('query-stats').textContent()).resolves.toMatch(
      new RegExp(`^${CONTAINERS} series, \\d+ samples, \\d+ ms$`),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'explore.png') });

    // The table view of the same query, from the URL alone.
    await page.goto(`${http}/explore?q=${encodeURIComponent(`topk(2, ${query})`)}&tab=table`);
    await page.getByTestId('result-table').waitFor();
    expect(await page.getByTestId('result-table').getAttribute('data-rows')).toBe('2');

    allowBadRequest = true;
    const bad = 'sum(rate(container_cpu_usage[5m]) by';
    const answer = await getJson(`${http}/api/v1/query?query=${encodeURIComponent(bad)}`);
    expect(answer.status).toBe(400);
    await page.goto(`${http}/explore?q=${encodeURIComponent(bad)}`);
    const error = page.getByTestId('query-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(answer.body.error);
    await page.screenshot({ path: join(ARTIFACTS, 'explore-error.png') });
    allowBadRequest = false;
  });

  it('Cluster shows the services, every partition with its owner and series, and the ingest rate', async () => {
    const status = (await getJson(`${http}/status/cluster`)).body;
    expect(status.partitions).toHaveLength(4);
    await page.goto(`${http}/cluster`);
    await page.locator('[data-testid="cluster"][data-ready="yes"]').waitFor();
    const rows = page.locator('[data-testid="partitions"] tbody tr');
    expect(await rows.count()).toBe(4);
    // Every partition owned by the one ingestor, whose series together are all the registry's.
    const owner = status.partitions[0].owner;
    expect(owner).toEqual(expect.any(String));
    for (let p = 0; p < 4; p++) expect(await rows.nth(p).textContent()).toContain(owner);
    const series = status.partitions.reduce((n: number, p: { series: number }) => n + p.series, 0);
    // Ten metrics and memory with the page cache a container, and eleven cAdvisor-named
    // series (ZTSDB_CADVISOR_METRICS).
    expect(series).toBe(CONTAINERS * 22);
    const services = (await page.getByTestId('services').textContent())!;
    for (const s of ['ingestor', 'collector', 'compactor', 'query']) expect(services).toContain(s);
    // The second poll gives a rate: samples keep arriving.
    await page.waitForFunction(() =>
      /Sample batches\s*[\d.]+k?\/s/.test(
        document.querySelector('[data-testid="ingest"]')!.textContent!,
      ),
    );
    await expect(page.getByTestId('cluster-verdict').textContent()).resolves.toMatch(
      /keeps up|behind/,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'cluster.png') });
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
