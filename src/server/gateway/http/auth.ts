import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode } from '../../../protocol/codes.js';
import { SYSTEM_USER } from '../../../protocol/ids.js';
import type { SessionTokens, VerifiedToken } from '../../auth/session-tokens.js';
import { ImError, err } from '../../errors.js';
import type { Auth } from './endpoint.js';

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

// Hashing both sides first gives timingSafeEqual equal lengths, so the comparison leaks neither
// the admin token's content nor its length.
const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export interface Authenticated {
  /** The token's userId for `user`, SYSTEM_USER for `admin`, '' for `public`. */
  caller: string;
  /** The user's verified token (`user` endpoints only). */
  token?: VerifiedToken;
}

export interface Authenticator {
  /**
   * Who may be served by an endpoint of `auth`.
   * @throws ImError TOKEN_INVALID / TOKEN_EXPIRED (401), or FORBIDDEN (403) when a user token is
   * offered where the admin token is required.
   */
  authenticate(auth: Auth, headers: IncomingHttpHeaders): Promise<Authenticated>;
}

export function createAuthenticator(tokens: SessionTokens, adminToken: string, metricsToken?: string): Authenticator {
  function metrics(token: string | undefined): Authenticated {
    if (metricsToken === undefined) return { caller: '' };
    if (token === undefined || !sameSecret(token, metricsToken)) {
      throw new ImError(ErrorCode.TOKEN_INVALID, 'GET /metrics takes the metrics token (Authorization: Bearer <token>)');
    }
    return { caller: '' };
  }

  async function admin(token: string | undefined): Promise<Authenticated> {
    if (token === undefined) throw new ImError(ErrorCode.TOKEN_INVALID, 'the admin token is required');
    if (sameSecret(token, adminToken)) return { caller: SYSTEM_USER };
    try {
      await tokens.verify(token);
    } catch (e) {
      // An expired user token is still a user's, not the admin's: FORBIDDEN says why better.
      if (e instanceof ImError && e.code === ErrorCode.TOKEN_EXPIRED) throw notAdmin();
      throw new ImError(ErrorCode.TOKEN_INVALID, 'the admin token is required');
    }
    throw notAdmin();
  }
  const notAdmin = () => err.forbidden('this endpoint takes the admin token, not a user token');

  return {
    async authenticate(auth, headers) {
      if (auth === 'public') return { caller: '' };
      const token = bearerToken(headers);
      if (auth === 'admin') return admin(token);
      if (auth === 'metrics') return metrics(token);
      const verified = await tokens.verify(token);
      return { caller: verified.userId, token: verified };
    },
  };
}
