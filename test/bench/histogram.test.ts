import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/bench/histogram.js';

describe('LatencyHistogram', () => {
  it('gives percentiles within 0.1% of the exact ones, in milliseconds', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 10); // 0.1 ms … 1,000 ms
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.p50).toBeCloseTo(500, -1);
    expect(Math.abs(s.p99 - 990) / 990).toBeLessThan(0.001);
    expect(Math.abs(s.max - 1000) / 1000).toBeLessThan(0.001);
    expect(s.p50).toBeLessThanOrEqual(s.p95);
    expect(s.p95).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.max);
  });

  it('keeps sub-millisecond latencies', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 100; i++) h.record(0.25);
    expect(h.summary().p99).toBeCloseTo(0.25, 3);
  });

  it('reports zeros with count 0 when nothing was recorded, and ignores values that are not numbers', () => {
    const h = new LatencyHistogram();
    h.record(Number.NaN);
    expect(h.summary()).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });
});

describe('LatencyHistogram with few samples', () => {
  it('never shows a percentile above the largest value recorded', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 30; i++) h.record(17 + i * 0.531);
    const s = h.summary();
    expect(s.p99).toBeLessThanOrEqual(s.max);
    expect(s.p95).toBeLessThanOrEqual(s.max);
  });
});
