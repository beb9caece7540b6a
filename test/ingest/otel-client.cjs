/* global require, process, console */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS run by node, not jest */
// The OpenTelemetry JS SDK as a real OTLP client, in its own process: its exporters load their
// HTTP transport with a dynamic import, which jest's module system cannot run.
// usage: node otel-client.cjs URL SERVICE json|proto-delta
const { diag, DiagConsoleLogger, DiagLogLevel } = require('@opentelemetry/api');
const http = require('@opentelemetry/exporter-metrics-otlp-http');
const proto = require('@opentelemetry/exporter-metrics-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
} = require('@opentelemetry/sdk-metrics');

const [url, service, mode] = process.argv.slice(2);
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
let failed = false;
const exporter =
  mode === 'json'
    ? new http.OTLPMetricExporter({ url })
    : new proto.OTLPMetricExporter({
        url,
        temporalityPreference: http.AggregationTemporalityPreference.DELTA,
      });
const original = exporter.export.bind(exporter);
exporter.export = (metrics, done) =>
  original(metrics, (result) => {
    if (result.code !== 0) failed = true;
    done(result);
  });
const provider = new MeterProvider({
  resource: resourceFromAttributes({
    'service.name': service,
    'service.instance.id': `${service}-1`,
  }),
  readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })],
  views: [
    {
      instrumentName: 'http.server.duration',
      aggregation: {
        type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
        options: { boundaries: [10, 100] },
      },
    },
  ],
});

async function main() {
  const meter = provider.getMeter('ztsdb-test');
  const requests = meter.createCounter('app.requests', { unit: '{request}' });
  const duration = meter.createHistogram('http.server.duration', { unit: 'ms' });
  const memory = meter.createObservableGauge('process.memory.usage', { unit: 'By' });
  memory.addCallback((o) => o.observe(4096, { kind: 'heap' }));
  requests.add(3, { route: '/a' });
  requests.add(2, { route: '/a' });
  for (const ms of [5, 50, 500, 50]) duration.record(ms, { route: '/a' });
  await provider.forceFlush();
  requests.add(1, { route: '/a' });
  await provider.forceFlush();
  await provider.shutdown();
  process.exit(failed ? 1 : 0);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
