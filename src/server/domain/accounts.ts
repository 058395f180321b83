import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../../protocol/codes.js';
import type { LoginResult } from '../../protocol/frames.js';
import { SYSTEM_USER } from '../../protocol/ids.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { SessionTokens, VerifiedToken } from '../auth/session-tokens.js';
import { ImError, err } from '../errors.js';
import type { MessageStore, UserRecord } from '../store/message-store.js';
import type { DomainEvents } from './events.js';

export interface RegisterInput {
  userId: string;
  password: string;
  nickname?: string | undefined;
}

export interface Profile {
  userId: string;
  nickname: string;
}

export interface AccountDeps {
  store: MessageStore;
  events: DomainEvents;
  tokens: SessionTokens;
  logins: LoginThrottle;
  /** scrypt N; lowered only for throwaway servers. */
  scryptCost: number;
}

const badCredentials = () => new ImError(ErrorCode.BAD_CREDENTIALS, 'wrong userId or password');

/**
 * The password hash of a provisioned user: no password matches it (it is no scrypt hash), so
 * such a user has only the tokens provisioning gave them.
 */
const NO_PASSWORD = 'none';

/** Users one provisioning call makes at most: one transaction, one answer. */
export const MAX_PROVISION = 1000;

export interface ProvisionInput {
  userId: string;
  nickname?: string | undefined;
}

/** §2 /user/*: register, login, logout, password, profile, settings. */
export class Accounts {
  private readonly store: MessageStore;
  private readonly events: DomainEvents;
  private readonly tokens: SessionTokens;
  private readonly logins: LoginThrottle;
  private readonly scryptCost: number;
  private decoy: Promise<string> | undefined;

  constructor(deps: AccountDeps) {
    this.store = deps.store;
    this.events = deps.events;
    this.tokens = deps.tokens;
    this.logins = deps.logins;
    this.scryptCost = deps.scryptCost;
  }

  /** @throws ImError USER_EXISTS (taken, or `system` in any case) */
  async register({ userId, password, nickname }: RegisterInput): Promise<{ userId: string }> {
    // Case-insensitively: `SYSTEM` would read as the server's own notices in any client.
    if (userId.toLowerCase() === SYSTEM_USER) throw new ImError(ErrorCode.USER_EXISTS, `${userId} is a reserved userId`);
    await this.store.createUsers([{ userId, passwordHash: await hashPassword(password, this.scryptCost), nickname: nickname ?? userId }]);
    return { userId };
  }

  /**
   * /system/users (admin): makes all of `users` or none, without passwords, and returns a token
   * for each. For load tests and scripted users: a password hash each (tens of ms of scrypt)
   * made 1,000 users take a minute and more, while what is stored for real users stays as it was.
   * @throws ImError USER_EXISTS naming a taken (or reserved, or repeated) userId
   */
  async provision(users: readonly ProvisionInput[]): Promise<LoginResult[]> {
    const reserved = users.find((u) => u.userId.toLowerCase() === SYSTEM_USER);
    if (reserved) throw new ImError(ErrorCode.USER_EXISTS, `${reserved.userId} is a reserved userId`);
    await this.store.createUsers(users.map(({ userId, nickname }) => ({ userId, passwordHash: NO_PASSWORD, nickname: nickname ?? userId })));
    return users.map(({ userId }) => ({ userId, ...this.tokens.issue(userId, 0) }));
  }

  /** A fresh token. @throws ImError BAD_CREDENTIALS, RATE_LIMITED (too many failures from `address` or for `userId`) */
  async login(userId: string, password: string, address: string): Promise<LoginResult> {
    const user = await this.checkPassword(userId, password, address);
    if (!user) throw badCredentials();
    return { userId, ...this.tokens.issue(userId, user.tokenGeneration) };
  }

  /** Revokes this one token; its WebSocket connections, on every node, are closed with 4003. */
  async logout(token: VerifiedToken): Promise<void> {
    await this.tokens.revoke(token);
    this.events.tokensRevoked(token.userId, token.tokenHash);
  }

  /** A new password revokes every token of the user; the answer carries a fresh one. @throws BAD_CREDENTIALS, RATE_LIMITED */
  async changePassword(caller: string, oldPassword: string, newPassword: string, address: string): Promise<LoginResult> {
    if (!(await this.checkPassword(caller, oldPassword, address))) {
      throw new ImError(ErrorCode.BAD_CREDENTIALS, 'oldPassword is wrong');
    }
    const generation = await this.store.setPassword(caller, await hashPassword(newPassword, this.scryptCost));
    this.events.tokensRevoked(caller);
    return { userId: caller, ...this.tokens.issue(caller, generation) };
  }

  /** @throws ImError USER_NOT_FOUND */
  async profile(userId: string): Promise<Profile> {
    const user = await this.store.getUser(userId);
    if (!user) throw err.userNotFound(userId);
    return { userId, nickname: user.nickname };
  }

  async settings(caller: string, allowStrangers: boolean): Promise<{ allowStrangers: boolean }> {
    await this.store.setAllowStrangers(caller, allowStrangers);
    return { allowStrangers };
  }

  /** The user when `password` is theirs; every attempt is throttled, only failures count. */
  private checkPassword(userId: string, password: string, address: string): Promise<UserRecord | undefined> {
    return this.logins.attempt(userId, address, async () => {
      const user = await this.store.getUser(userId);
      // A user without password (provisioned) costs the same scrypt as a wrong password too.
      const usable = user !== undefined && user.passwordHash !== NO_PASSWORD;
      const ok = await verifyPassword(password, usable ? user.passwordHash : await this.decoyHash());
      return usable && ok ? user : undefined;
    });
  }

  /** An unknown user costs the same scrypt as a wrong password, so timing does not tell which. */
  private decoyHash(): Promise<string> {
    return (this.decoy ??= hashPassword(randomBytes(16).toString('hex'), this.scryptCost));
  }
}
