import { ErrorCode } from '../../protocol/codes.js';
import { ImError } from '../errors.js';
import type { AdmitStage } from '../pipeline.js';
import type { Buckets } from './buckets.js';

/**
 * §6.6: over the per-user SEND rate, 1003 with the wait. Checked before any store read; with a
 * node's own buckets, without a turn of the event loop.
 */
export function createRateLimitStage(buckets: Buckets): AdmitStage {
  return (msg) => {
    const waitMs = buckets.take(msg.from);
    if (typeof waitMs === 'number') return admitted(msg, waitMs);
    return waitMs.then((ms) => admitted(msg, ms));
  };
}

function admitted<T>(msg: T, waitMs: number): T {
  if (waitMs > 0) throw new ImError(ErrorCode.RATE_LIMITED, `too many messages; retry in ${waitMs} ms`, waitMs);
  return msg;
}
