/**
 * Per-user token buckets (§6.6): `burst` SENDs pass at once, then `perSecond` refill. A user over
 * the limit is told how long to wait; buckets that are full again are forgotten, so idle users
 * cost nothing.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweepAt = 0;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  /** 0 when the SEND may pass (and is counted), else the ms until one token is back. */
  take(userId: string): number {
    const now = this.now();
    this.sweep(now);
    const b = this.buckets.get(userId) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(userId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - b.tokens) / this.perSecond) * 1000));
  }

  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 60_000;
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    for (const [user, b] of this.buckets) if (now - b.at > fullAfterMs) this.buckets.delete(user);
  }
}
