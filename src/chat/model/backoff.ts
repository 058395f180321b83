/** Reconnect delay policy. Defaults: 500 ms doubling to 30 s, ±20 % jitter. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Fraction of the delay randomised either way: 0.2 gives delay × [0.8, 1.2). */
  jitter?: number;
  /** Returns [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 } as const;

/**
 * The delay before reconnect attempt `attempt` (1-based). Never negative, never above `maxMs`:
 * jitter spreads clients that lost the same server so they do not reconnect in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialMs, maxMs, factor, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const random = options.random ?? Math.random;
  const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
  const spread = base * jitter * (2 * random() - 1);
  return Math.round(Math.min(maxMs, Math.max(0, base + spread)));
}

/** The first `count` delays, for display or tests. */
export function backoffSequence(count: number, options: BackoffOptions = {}): number[] {
  return Array.from({ length: count }, (_, i) => backoffDelay(i + 1, options));
}
