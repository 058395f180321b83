import { errorName } from '../protocol/codes.js';

/**
 * The server refused a request with an error code of PROTOCOL.md §5: an HTTP envelope with a
 * non-zero `code`, an ERROR frame answering a WebSocket request, or a refused handshake.
 * Callers branch on `code` (or `codeName`), never on the message text.
 */
export class ImRequestError extends Error {
  /** The wire error code, e.g. 3001. */
  readonly code: number;
  /** The code's registry name, e.g. `NOT_FRIENDS`; `ERROR_<n>` for a code outside the registry. */
  readonly codeName: string;
  /** HTTP status for HTTP calls and refused handshakes; undefined for ERROR frames. */
  readonly status: number | undefined;
  /** The server's `msg` / `content.message`, verbatim. */
  readonly serverMessage: string;
  /** Set by RATE_LIMITED (1003) replies. */
  readonly retryAfterMs: number | undefined;

  constructor(init: { code: number; message: string; status?: number; retryAfterMs?: number; context: string }) {
    const codeName = errorName(init.code);
    super(`${init.context}: ${codeName} (${init.code}): ${init.message}`);
    this.name = 'ImRequestError';
    this.code = init.code;
    this.codeName = codeName;
    this.status = init.status;
    this.serverMessage = init.message;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Why the client, not the server, gave up on something. */
export type ImClientErrorReason =
  /** The server could not be reached (refused, reset, DNS, HTTP timeout). */
  | 'network'
  /** The WebSocket handshake was answered with something other than 101 and no error code. */
  | 'handshake'
  /** No reply (or no awaited frame) within the deadline. */
  | 'timeout'
  /** The connection closed before the reply (or awaited frame) arrived, or was not open. */
  | 'closed'
  /** The server answered with something this protocol does not allow (not JSON, wrong reply). */
  | 'protocol';

/** A failure on the client side of the wire; `reason` says which kind, for code to branch on. */
export class ImClientError extends Error {
  readonly reason: ImClientErrorReason;

  constructor(reason: ImClientErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImClientError';
    this.reason = reason;
  }
}

export const isImRequestError = (e: unknown): e is ImRequestError => e instanceof ImRequestError;
export const isImClientError = (e: unknown): e is ImClientError => e instanceof ImClientError;

/** The low-level cause of a failed fetch or socket, e.g. `connect ECONNREFUSED 127.0.0.1:7700`. */
export function causeText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? cause.message : e.message;
}
