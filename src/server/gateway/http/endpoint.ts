import { ErrorCode } from '../../../protocol/codes.js';
import type { VerifiedToken } from '../../auth/session-tokens.js';
import { ImError } from '../../errors.js';

/**
 * Who may call an endpoint: anyone, a logged-in user (Bearer token), the admin token, or the
 * metrics token (anyone when the server has none).
 */
export type Auth = 'public' | 'user' | 'admin' | 'metrics';

/** A response that is not the JSON envelope (`/metrics`). */
export class TextReply {
  constructor(
    readonly contentType: string,
    readonly text: string,
  ) {}
}

/** What a handler resolves with: the envelope's `data`, or raw text. */
export type Reply = object;

export interface Endpoint {
  method: 'GET' | 'POST';
  /** The full path, matched exactly (no trailing slash, no parameters). */
  path: string;
  auth: Auth;
  /**
   * `input` is the query string as an object (GET) or the parsed JSON body (POST), not yet
   * validated; `caller` is the authenticated userId for `user` endpoints ('' otherwise).
   * Throws ImError for every refusal.
   */
  handle(input: unknown, caller: string, request: RequestInfo): Promise<Reply>;
}

/** What a few endpoints need of the request itself besides its input. */
export interface RequestInfo {
  /** The client's address, for per-address throttling (no proxy headers are trusted). */
  address: string;
  /** The token a `user` endpoint's caller authenticated with (logout revokes it). */
  token: VerifiedToken | undefined;
}

export const get = (path: string, auth: Auth, handle: Endpoint['handle']): Endpoint => ({ method: 'GET', path, auth, handle });
export const post = (path: string, auth: Auth, handle: Endpoint['handle']): Endpoint => ({ method: 'POST', path, auth, handle });

/** Prefixes every endpoint's path, so route modules name their paths as PROTOCOL.md §2 does. */
export const mount = (prefix: string, endpoints: readonly Endpoint[]): Endpoint[] =>
  endpoints.map((e) => ({ ...e, path: prefix + e.path }));

/** Exact-match lookup by path, then method. */
export class Router {
  private readonly byPath = new Map<string, Map<string, Endpoint>>();

  constructor(endpoints: readonly Endpoint[]) {
    for (const e of endpoints) {
      const methods = this.byPath.get(e.path) ?? new Map<string, Endpoint>();
      if (methods.has(e.method)) throw new Error(`duplicate endpoint ${e.method} ${e.path}`);
      this.byPath.set(e.path, methods.set(e.method, e));
    }
  }

  /** @throws RoutingError: 404 for an unknown path, 405 (with `allow`) for a wrong method. */
  find(method: string, path: string): Endpoint {
    const methods = this.byPath.get(path);
    if (!methods) throw new RoutingError(404, `no such endpoint: ${method} ${path}`);
    const endpoint = methods.get(method);
    if (endpoint) return endpoint;
    const allowed = [...methods.keys()];
    throw new RoutingError(405, `${method} is not allowed on ${path}; use ${allowed.join(', ')}`, allowed);
  }
}

/**
 * UNKNOWN_CMD (1001) with the HTTP status the situation calls for: the code's table status is
 * 400, but a client (and curl) reads 404/405 as "wrong URL" / "wrong method" at a glance.
 */
export class RoutingError extends ImError {
  constructor(
    private readonly status: 404 | 405,
    message: string,
    readonly allowed: readonly string[] = [],
  ) {
    super(ErrorCode.UNKNOWN_CMD, message);
  }

  override get httpStatus(): number {
    return this.status;
  }
}
