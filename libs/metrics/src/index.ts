export { MetricsRegistry, Counter, Gauge, processMetrics } from './registry';
