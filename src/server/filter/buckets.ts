import type { RateLimit } from '../config.js';

/**
 * Per-key token buckets (§6.6): a node's own (`RateLimiter`), or one set shared by every node of
 * a cluster (the Redis adapter), so that a user's limits hold across the cluster however their
 * devices are spread. Results may come synchronously (local) or not (shared): callers take both.
 */
export interface Buckets {
  /** 0 when `cost` units may pass (and are taken), else the ms until they will have refilled. */
  take(key: string, cost?: number): number | Promise<number>;
  /** The ms `key` must wait before `cost` units would pass, taking nothing; 0 when they would. */
  peek(key: string, cost?: number): number | Promise<number>;
  /** Takes `cost` units whatever the balance, down to at most one burst in debt; never waits. */
  charge(key: string, cost: number): void;
}

/**
 * Opens the buckets of one limit. `name` keeps limits apart in a shared store (`send`, `read`,
 * `login-account`, `login-address`).
 */
export type BucketsFactory = (name: string, limit: RateLimit) => Buckets;
