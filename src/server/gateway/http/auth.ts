import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode } from '../../../protocol/codes.js';
import { SYSTEM_USER } from '../../../protocol/ids.js';
import type { TokenSigner } from '../../auth/tokens.js';
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

export interface Authenticator {
  /**
   * The caller an endpoint of `auth` may serve: the token's userId for `user`, SYSTEM_USER for
   * `admin`, '' for `public`.
   * @throws ImError TOKEN_INVALID / TOKEN_EXPIRED (401), or FORBIDDEN (403) when a user token is
   * offered where the admin token is required.
   */
  authenticate(auth: Auth, headers: IncomingHttpHeaders): string;
}

export function createAuthenticator(tokens: TokenSigner, adminToken: string): Authenticator {
  function admin(token: string | undefined): string {
    if (token === undefined) throw new ImError(ErrorCode.TOKEN_INVALID, 'the admin token is required');
    if (sameSecret(token, adminToken)) return SYSTEM_USER;
    try {
      tokens.verify(token);
    } catch (e) {
      // An expired user token is still a user's, not the admin's: FORBIDDEN says why better.
      if (e instanceof ImError && e.code === ErrorCode.TOKEN_EXPIRED) throw notAdmin();
      throw new ImError(ErrorCode.TOKEN_INVALID, 'the admin token is required');
    }
    throw notAdmin();
  }
  const notAdmin = () => err.forbidden('this endpoint takes the admin token, not a user token');

  return {
    authenticate(auth, headers) {
      if (auth === 'public') return '';
      const token = bearerToken(headers);
      return auth === 'admin' ? admin(token) : tokens.verify(token).userId;
    },
  };
}
