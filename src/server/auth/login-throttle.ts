import { ErrorCode } from '../../protocol/codes.js';
import type { RateLimit } from '../config.js';
import { ImError } from '../errors.js';
import { RateLimiter } from '../filter/rate-limiter.js';

export interface LoginThrottleLimits {
  /** Failed logins per account, whoever tries. */
  perAccount: RateLimit;
  /** Failed logins per client address, whatever account. */
  perAddress: RateLimit;
}

/**
 * Throttles password guessing (each guess costs the server a full scrypt). Every attempt takes
 * a token from its account's bucket and its address's bucket before the password is checked; a
 * successful login gives both back, so only failures count.
 *
 * A lock-out is never long: the buckets refill continuously, so once the failures stop the
 * account is usable again within one refill interval (3 s by default). An attacker can keep an
 * account throttled only by keeping up the failures, from more addresses than the per-address
 * limit allows each.
 */
export class LoginThrottle {
  private readonly accounts: RateLimiter;
  private readonly addresses: RateLimiter;

  constructor(limits: LoginThrottleLimits, now: () => number) {
    this.accounts = new RateLimiter(limits.perAccount.burst, limits.perAccount.perSecond, now);
    this.addresses = new RateLimiter(limits.perAddress.burst, limits.perAddress.perSecond, now);
  }

  /** Takes one attempt for (userId, address). @throws ImError RATE_LIMITED with retryAfterMs */
  admit(userId: string, address: string): void {
    const waitMs = Math.max(this.accounts.peek(userId), this.addresses.peek(address));
    if (waitMs > 0) {
      throw new ImError(ErrorCode.RATE_LIMITED, `too many failed logins; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs);
    }
    this.accounts.take(userId);
    this.addresses.take(address);
  }

  /** The attempt was right: it does not count against either bucket. */
  succeeded(userId: string, address: string): void {
    this.accounts.refund(userId);
    this.addresses.refund(address);
  }
}
