import { isImClientError, isImRequestError } from '../../client/index.js';
import { errorName } from '../../protocol/codes.js';

/** One line for the notice bar: the §5 code name first (`NOT_FRIENDS (3001): …`), as the issue asks. */
export function describeError(e: unknown): string {
  if (isImRequestError(e)) return `${e.codeName} (${e.code}): ${e.serverMessage}`;
  if (isImClientError(e)) return e.message;
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'number') {
    const message = 'message' in e && typeof e.message === 'string' ? e.message : '';
    return `${errorName(e.code)} (${e.code}): ${message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
