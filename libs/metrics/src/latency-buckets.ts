/** Histogram buckets in seconds: 0.5 ms to 10 s, for batch work and queries alike. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Buckets for work that takes seconds to minutes (a warm → cold merge). */
export const SLOW_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];
