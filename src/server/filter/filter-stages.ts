import { ErrorCode } from '../../protocol/codes.js';
import { ImError } from '../errors.js';
import type { AdmitStage } from '../pipeline.js';
import type { RateLimiter } from './rate-limiter.js';

/** §6.6: over the per-user SEND rate, 1003 with the wait. Checked before any store read. */
export function createRateLimitStage(limiter: RateLimiter): AdmitStage {
  return (msg) => {
    const waitMs = limiter.take(msg.from);
    if (waitMs > 0) throw new ImError(ErrorCode.RATE_LIMITED, `too many messages; retry in ${waitMs} ms`, waitMs);
    return msg;
  };
}
