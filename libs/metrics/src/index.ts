export { MetricsRegistry, Counter, Gauge, processMetrics } from './registry';
export type { LabelValues } from './registry';
export { enableRuntimeMetrics, RUNTIME_PREFIXES } from './runtime-metrics';
export { LATENCY_BUCKETS, SLOW_BUCKETS } from './latency-buckets';
export { SERVICE_PREFIXES } from './service-scope';
export type { ServiceName } from './service-scope';
export { MetricsHttpServer } from './metrics-http-server';
export type { HealthReport, MetricsHttpServerOptions } from './metrics-http-server';
