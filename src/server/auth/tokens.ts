import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../../protocol/codes.js';
import { ImError } from '../errors.js';

export interface TokenClaims {
  userId: string;
  expiresAt: number;
  /** The user's token generation at issue time; tokens from before a password change are void. */
  generation: number;
}

/** The form a token is remembered in when revoked: never the token itself. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');

/**
 * Signed, expiring login tokens: `base64url(json).base64url(hmac-sha256)`. The secret lives in
 * the store, so tokens survive a restart and every node of a cluster accepts every node's tokens.
 */
export class TokenSigner {
  constructor(
    private readonly secret: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  issue(userId: string, generation: number): { token: string; expiresAt: number } {
    const expiresAt = this.now() + this.ttlMs;
    const body = Buffer.from(JSON.stringify({ u: userId, e: expiresAt, g: generation })).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** @throws ImError TOKEN_INVALID or TOKEN_EXPIRED */
  verify(token: string | undefined): TokenClaims {
    const invalid = new ImError(ErrorCode.TOKEN_INVALID, 'token is missing or invalid');
    if (!token) throw invalid;
    const [body, sig] = token.split('.');
    if (!body || !sig) throw invalid;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid;
    let claims: { u?: unknown; e?: unknown; g?: unknown };
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      throw invalid;
    }
    if (typeof claims.u !== 'string' || typeof claims.e !== 'number') throw invalid;
    if (claims.e <= this.now()) throw new ImError(ErrorCode.TOKEN_EXPIRED, 'token has expired; log in again');
    // Tokens issued before generations existed are generation 0, void after the first password change.
    return { userId: claims.u, expiresAt: claims.e, generation: typeof claims.g === 'number' ? claims.g : 0 };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
