import { ErrorCode, HTTP_STATUS, errorName, isErrorCode } from '../protocol/codes.js';

/**
 * The one error type the pipeline raises on purpose. Anything else that escapes a stage is a bug
 * and leaves the server as INTERNAL (5000) — with its stack in the log, never on the wire.
 */
export class ImError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, retryAfterMs?: number) {
    super(message);
    this.name = `ImError(${errorName(code)})`;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export const isImError = (e: unknown): e is ImError => e instanceof ImError;

/** The wire form of any error: the closed registry, with unknown errors as INTERNAL. */
export function toWireError(e: unknown): { code: ErrorCode; message: string; retryAfterMs?: number } {
  if (e instanceof ImError && isErrorCode(e.code)) {
    return e.retryAfterMs === undefined
      ? { code: e.code, message: e.message }
      : { code: e.code, message: e.message, retryAfterMs: e.retryAfterMs };
  }
  return { code: ErrorCode.INTERNAL, message: 'internal error' };
}

export const err = {
  badFrame: (m: string) => new ImError(ErrorCode.BAD_FRAME, m),
  forbidden: (m: string) => new ImError(ErrorCode.FORBIDDEN, m),
  userNotFound: (u: string) => new ImError(ErrorCode.USER_NOT_FOUND, `user ${u} does not exist`),
  convNotFound: (c: string) => new ImError(ErrorCode.CONVERSATION_NOT_FOUND, `conversation ${c} does not exist`),
  groupNotFound: (g: string) => new ImError(ErrorCode.CONVERSATION_NOT_FOUND, `group ${g} does not exist`),
  notMember: (c: string) => new ImError(ErrorCode.NOT_MEMBER, `you are not a member of ${c}`),
};
