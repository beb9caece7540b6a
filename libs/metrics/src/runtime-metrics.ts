import { collectDefaultMetrics } from 'prom-client';
import type { MetricsRegistry } from './registry';

const enabled = new WeakSet<MetricsRegistry>();

/**
 * Process and Node runtime families (prom-client's defaults: `process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, open fds, `nodejs_eventloop_lag_seconds` and its
 * percentiles, `nodejs_gc_duration_seconds`, heap sizes and spaces, active handles).
 * Started by the first metrics endpoint, not at import: client commands load this
 * library too and need no event-loop monitor.
 */
export function enableRuntimeMetrics(registry: MetricsRegistry): void {
  if (enabled.has(registry)) return;
  enabled.add(registry);
  collectDefaultMetrics({ register: registry.prom, eventLoopMonitoringPrecision: 10 });
  // Gauges named like counters (promtool's lint refuses them); the same figures stay, by
  // type, in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
  for (const name of TOTAL_NAMED_GAUGES) registry.prom.removeSingleMetric(name);
}

const TOTAL_NAMED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Name prefixes of the runtime families (shown by every service's endpoint). */
export const RUNTIME_PREFIXES: readonly string[] = ['process_', 'nodejs_'];
