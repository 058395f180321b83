import type { Measure } from '../../src/bench/types.js';

/** A plausible Measure for the pure tests of figures, thresholds and compare; `over` sets what a test is about. */
export const measure = (over: Partial<Measure> = {}): Measure => ({
  messages: 1000,
  deliveries: 1000,
  expected: 1000,
  lost: 0,
  duplicates: 0,
  errors: 0,
  seconds: 1,
  messagesPerSec: 1000,
  deliveriesPerSec: 1000,
  latency: { count: 1000, p50: 1, p95: 2, p99: 3, max: 4, mean: 1.2 },
  driverCpuPercent: 50,
  ...over,
});
