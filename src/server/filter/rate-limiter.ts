import type { Buckets, BucketsFactory } from './buckets.js';

/**
 * Per-key token buckets (§6.6): `burst` units pass at once, then `perSecond` refill. A key over
 * its limit is told how long to wait; buckets that are full again are forgotten, so idle keys
 * cost nothing.
 *
 * Units are whatever the caller counts: SENDs, rows read, failed logins. `charge` may take a
 * bucket below zero (a read's cost is known only after it ran), and the debt is paid by waiting.
 */
export class RateLimiter implements Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweepAt = 0;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  /** 0 when `cost` units may pass (and are taken), else the ms until they will have refilled. */
  take(key: string, cost = 1): number {
    const b = this.bucket(key);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return this.waitMs(b.tokens, cost);
  }

  /** The ms `key` must wait before `cost` units would pass, taking nothing; 0 when they would. */
  peek(key: string, cost = 1): number {
    const b = this.bucket(key);
    return b.tokens >= cost ? 0 : this.waitMs(b.tokens, cost);
  }

  /** Takes `cost` units whatever the balance, down to at most one burst in debt. */
  charge(key: string, cost: number): void {
    if (cost <= 0) return;
    const b = this.bucket(key);
    b.tokens = Math.max(-this.burst, b.tokens - cost);
  }

  private bucket(key: string): { tokens: number; at: number } {
    const now = this.now();
    this.sweep(now);
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    return b;
  }

  private waitMs(tokens: number, cost: number): number {
    return Math.max(1, Math.ceil(((cost - tokens) / this.perSecond) * 1000));
  }

  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 60_000;
    const fullAfterMs = ((2 * this.burst) / this.perSecond) * 1000;
    for (const [key, b] of this.buckets) if (now - b.at > fullAfterMs) this.buckets.delete(key);
  }
}

/** A node's own buckets, one RateLimiter per limit: the single-node (and default) choice. */
export function localBuckets(now: () => number): BucketsFactory {
  return (_name, limit) => new RateLimiter(limit.burst, limit.perSecond, now);
}
