import { ErrorCode } from '../../protocol/codes.js';
import { ImError } from '../errors.js';
import type { MessageStore } from '../store/message-store.js';
import { tokenHash, type TokenClaims, type TokenSigner } from './tokens.js';

/** A token that passed every check, with what revoking it needs. */
export interface VerifiedToken extends TokenClaims {
  tokenHash: string;
}

/**
 * Login tokens as the gateway sees them: signed and expiring (TokenSigner), and revocable. A
 * token is void once logged out (its hash is stored until it would have expired) or once its
 * user changes password (its generation is behind the user's). The revocation lives in the
 * store, so it holds on every node and across restarts.
 */
export class SessionTokens {
  constructor(
    private readonly signer: TokenSigner,
    private readonly store: Pick<MessageStore, 'tokenStatus' | 'revokeToken'>,
  ) {}

  issue(userId: string, generation: number): { token: string; expiresAt: number } {
    return this.signer.issue(userId, generation);
  }

  /** @throws ImError TOKEN_INVALID (bad, revoked, or its user is gone) or TOKEN_EXPIRED */
  async verify(token: string | undefined): Promise<VerifiedToken> {
    const claims = this.signer.verify(token);
    const hash = tokenHash(token!);
    const status = await this.store.tokenStatus(claims.userId, hash);
    if (!status) throw new ImError(ErrorCode.TOKEN_INVALID, 'token is missing or invalid');
    if (status.revoked) throw new ImError(ErrorCode.TOKEN_INVALID, 'token was revoked (logged out); log in again');
    if (status.generation !== claims.generation) {
      throw new ImError(ErrorCode.TOKEN_INVALID, 'token was revoked by a password change; log in again');
    }
    return { ...claims, tokenHash: hash };
  }

  async revoke(token: VerifiedToken): Promise<void> {
    await this.store.revokeToken(token.userId, token.tokenHash, token.expiresAt);
  }
}
