/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { launchChromium } from '../support/browser';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

const CONTAINERS = 3;

/**
 * Containers come and go (the synthetic source with ZTSDB_SYNTHETIC_LIFETIME): on the
 * Containers page a container that stopped reporting is first greyed out, then dropped, while
 * its replacement appears. The page's thresholds are shortened through its URL (`gone`,
 * `drop`) so that this takes seconds.
 */
describe('gone containers in Chromium against ztsdb all with churn', () => {
  let server: NatsServer;
  let ztsdb: ZtsdbProcess;
  let browser: Browser;
  let page: Page;
  let http: string;
  const data = tempDir('ztsdb-web-churn-');
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await NatsServer.start();
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    ztsdb = ZtsdbProcess.start(['all'], {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: String(CONTAINERS),
      ZTSDB_SYNTHETIC_LIFETIME: '6s',
      ZTSDB_COLLECT_INTERVAL_MS: '250',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 600 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await waitFor(
      async () => (await getJson(`${http}/readyz`)).status === 200,
      'the query service to be ready',
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

  it('greys out a container that stopped reporting, then drops it', async () => {
    await page.goto(`${http}/?refresh=1&gone=2&drop=5`);
    const rows = page.locator('[data-testid="containers-table"] tbody tr[data-id]');
    await rows.first().waitFor();
    // A container seen live, later greyed out …
    const live = new Set<string>();
    let greyed: string | undefined;
    await waitFor(
      async () => {
        for (const id of await page.$$eval(
          '[data-testid="containers-table"] tbody tr[data-id]:not(.gone)',
          (trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''),
        ))
          live.add(id);
        const gone = await page.$$eval(
          '[data-testid="containers-table"] tbody tr.gone[data-id]',
          (trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''),
        );
        greyed = gone.find((id) => live.has(id));
        return greyed !== undefined;
      },
      'a live container to be greyed out',
      30_000,
    );
    await page.locator(`tr[data-id="${greyed}"]`).waitFor({ state: 'attached' });
    expect(await page.locator(`tr[data-id="${greyed}"]`).getAttribute('class')).toBe('gone');
    // … and then dropped from the table, while the fleet keeps its size with new containers.
    await page.locator(`tr[data-id="${greyed}"]`).waitFor({ state: 'detached' });
    await waitFor(
      async () => (await rows.count()) >= CONTAINERS,
      'the replacements to be listed',
      15_000,
    );
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(ids).not.toContain(greyed);
    expect(pageErrors).toEqual([]);
  });
});
