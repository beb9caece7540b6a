/**
 * The collector's cAdvisor-compatible series answer the queries of popular cAdvisor
 * dashboards (Grafana "Docker and system monitoring", id 893, and "Cadvisor exporter",
 * id 14282), with their variables ($host, $container) set to match everything.
 */
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

const DASHBOARD_QUERIES = [
  // 893, "Docker and system monitoring"
  'sum(rate(container_cpu_usage_seconds_total{image!=""}[1m])) by (name)',
  'sum(container_memory_usage_bytes{image!=""}) by (name)',
  'sum(rate(container_network_receive_bytes_total{image!=""}[1m])) by (name)',
  'sum(rate(container_network_transmit_bytes_total{image!=""}[1m])) by (name)',
  // 14282, "Cadvisor exporter"
  'sum(rate(container_cpu_usage_seconds_total{instance=~".*|",name=~".*",name=~".+"}[5m])) by (name) *100',
  'sum(rate(container_network_receive_packets_total{name=~".+"}[5m])) by (name)',
  'sum(rate(container_network_transmit_packets_total{name=~".+"}[5m])) by (name)',
  'sum(rate(container_fs_reads_bytes_total{name=~".+"}[5m])) by (name)',
  'sum(rate(container_fs_writes_bytes_total{name=~".+"}[5m])) by (name)',
  'sum(rate(container_fs_reads_total{name=~".+"}[5m])) by (name)',
  'sum(rate(container_fs_writes_total{name=~".+"}[5m])) by (name)',
];

let server: NatsServer;
const data = tempDir('ztsdb-cadvisor-');

afterAll(async () => {
  await stopAllZtsdb();
  await server?.stop();
  data.remove();
});

it('answers cAdvisor dashboard queries from the collector', async () => {
  server = await NatsServer.start();
  const port = await freePort();
  const http = `http://127.0.0.1:${port}`;
  ZtsdbProcess.start(['all'], {
    NATS_URL: server.url,
    ZTSDB_DATA_DIR: data.path,
    ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
    ZTSDB_SOURCE: 'synthetic',
    ZTSDB_SYNTHETIC_CONTAINERS: '3',
  });
  for (const q of DASHBOARD_QUERIES) {
    const result = await waitFor(
      async () => {
        const r = await getJson(`${http}/api/v1/query?query=${encodeURIComponent(q)}`).catch(
          () => undefined,
        );
        const res = r?.body?.data?.result as Array<{
          metric: { name?: string };
          value: [number, string];
        }>;
        return res && res.length === 3 ? res : undefined;
      },
      `data for ${q}`,
      30_000,
    );
    for (const s of result) {
      expect(s.metric.name).toMatch(/.+/);
      expect(Number.isFinite(Number(s.value[1]))).toBe(true);
    }
  }
  const labels = await getJson(
    `${http}/api/v1/series?match[]=${encodeURIComponent('container_memory_usage_bytes')}`,
  );
  expect(labels.body.data[0]).toMatchObject({
    id: expect.stringMatching(/^\/\w+\/[0-9a-f]{12}$/),
    name: expect.any(String),
    image: expect.any(String),
    container_id: expect.stringMatching(/^[0-9a-f]{12}$/),
  });
}, 90_000);
