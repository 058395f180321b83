import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './types.js';

/**
 * Latencies in an HDR histogram (microsecond buckets, 3 significant digits): constant memory
 * whatever the count, and percentiles without sorting a million samples.
 */
export class LatencyHistogram {
  readonly #h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

  /** Records one latency given in milliseconds (sub-millisecond values keep their microseconds). */
  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    // Clocks of one process never run backwards, but a value under 1 µs still happened.
    this.#h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** The histogram as a string, to hand to another thread's `add`. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.#h);
  }

  /** Adds the latencies another histogram recorded (given as `encode()` made it). */
  add(encoded: string): void {
    const other = hdr.decodeFromCompressedBase64(encoded);
    this.#h.add(other);
    other.destroy();
  }

  get count(): number {
    return this.#h.totalCount;
  }

  /** The figures in milliseconds; zeros when nothing was recorded (count says so). */
  summary(): LatencySummary {
    const h = this.#h;
    if (h.totalCount === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
    const ms = (us: number) => Math.round(us) / 1000;
    // A percentile is its bucket's top, which may pass the largest value recorded: never show p99 > max.
    const max = h.maxValue;
    const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), max));
    return {
      count: h.totalCount,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      max: ms(max),
      mean: ms(h.mean),
    };
  }
}
