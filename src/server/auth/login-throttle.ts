import { ErrorCode } from '../../protocol/codes.js';
import type { RateLimit } from '../config.js';
import { ImError } from '../errors.js';
import type { Buckets, BucketsFactory } from '../filter/buckets.js';

export interface LoginThrottleLimits {
  /** Failed logins per account, whoever tries. */
  perAccount: RateLimit;
  /** Failed logins per client address, whatever account. */
  perAddress: RateLimit;
}

/**
 * Password checks from one address that run at once; more wait their turn. Bounds how far a
 * burst of parallel guesses can overshoot the limits (each is judged when its turn comes), and
 * matches the libuv thread pool that runs scrypt anyway.
 */
const CONCURRENT_CHECKS_PER_ADDRESS = 4;

/**
 * Throttles password guessing (each guess costs the server a full scrypt). Only failures count:
 * a failed check takes a token from its account's bucket and its address's bucket, and a check
 * starts only while both have one left. Many users logging in at once from one address (a
 * scenario run, a benchmark) are never refused for it.
 *
 * A lock-out is never long: the buckets refill continuously, so once the failures stop the
 * account is usable again within one refill interval (3 s by default). An attacker can keep an
 * account throttled only by keeping up the failures, from more addresses than the per-address
 * limit allows each.
 */
export class LoginThrottle {
  private readonly accounts: Buckets;
  private readonly addresses: Buckets;
  private readonly running = new Map<string, number>();
  private readonly queued = new Map<string, (() => void)[]>();

  /** With a cluster's shared buckets, the limits hold across every node (the check queue stays per node). */
  constructor(limits: LoginThrottleLimits, buckets: BucketsFactory) {
    this.accounts = buckets('login-account', limits.perAccount);
    this.addresses = buckets('login-address', limits.perAddress);
  }

  /**
   * Runs `check` (the password check) for (userId, address) when allowed; `check` resolves with
   * undefined for a wrong password, which is then counted.
   * @throws ImError RATE_LIMITED with retryAfterMs, before `check` runs
   */
  async attempt<T>(userId: string, address: string, check: () => Promise<T | undefined>): Promise<T | undefined> {
    await this.turn(address);
    try {
      const waitMs = Math.max(await this.accounts.peek(userId), await this.addresses.peek(address));
      if (waitMs > 0) {
        throw new ImError(ErrorCode.RATE_LIMITED, `too many failed logins; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs);
      }
      const result = await check();
      if (result === undefined) {
        this.accounts.charge(userId, 1);
        this.addresses.charge(address, 1);
      }
      return result;
    } finally {
      this.done(address);
    }
  }

  private async turn(address: string): Promise<void> {
    const running = this.running.get(address) ?? 0;
    if (running < CONCURRENT_CHECKS_PER_ADDRESS) {
      this.running.set(address, running + 1);
      return;
    }
    const queue = this.queued.get(address) ?? [];
    this.queued.set(address, queue);
    // The slot is handed over by done(), so `running` stays counted for this waiter.
    await new Promise<void>((resolve) => queue.push(resolve));
  }

  private done(address: string): void {
    const queue = this.queued.get(address);
    const next = queue?.shift();
    if (next) {
      if (queue!.length === 0) this.queued.delete(address);
      next();
      return;
    }
    const running = (this.running.get(address) ?? 1) - 1;
    if (running === 0) this.running.delete(address);
    else this.running.set(address, running);
  }
}
