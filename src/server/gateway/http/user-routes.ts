import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode } from '../../../protocol/codes.js';
import type { LoginResult } from '../../../protocol/frames.js';
import { SYSTEM_USER } from '../../../protocol/ids.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import type { LoginThrottle } from '../../auth/login-throttle.js';
import type { SessionTokens } from '../../auth/session-tokens.js';
import { ImError, err } from '../../errors.js';
import type { MessageStore, UserRecord } from '../../store/message-store.js';
import { idField, parseInput, userRef } from './body.js';
import { get, post, type Endpoint, type RequestInfo } from './endpoint.js';
import { notSelf, requireUser } from './guards.js';

const password = z.string().min(1).max(256);
const registerBody = z.object({ userId: idField, password, nickname: z.string().min(1).max(64).optional() });
const loginBody = z.object({ userId: idField, password });
const passwordBody = z.object({ oldPassword: password, newPassword: password });
const settingsBody = z.object({ allowStrangers: z.boolean() });

const badCredentials = () => new ImError(ErrorCode.BAD_CREDENTIALS, 'wrong userId or password');

export interface UserRouteDeps {
  store: MessageStore;
  tokens: SessionTokens;
  logins: LoginThrottle;
  config: { scryptCost: number };
  /** Closes the WebSocket connections of revoked tokens (one token, or all of a user's). */
  revoked(event: { userId: string; tokenHash?: string }): void;
}

/** §2 /user/*: register, login, logout, password, profile, block, unblock, settings. */
export function userRoutes({ store, tokens, logins, config, revoked }: UserRouteDeps): Endpoint[] {
  // An unknown user costs the same scrypt as a wrong password, so timing does not tell which.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex'), config.scryptCost));

  async function register(input: unknown) {
    const { userId, password, nickname } = parseInput(registerBody, input);
    // Case-insensitively: `SYSTEM` would read as the server's own notices in any client.
    if (userId.toLowerCase() === SYSTEM_USER) throw new ImError(ErrorCode.USER_EXISTS, `${userId} is a reserved userId`);
    await store.createUser({ userId, passwordHash: await hashPassword(password, config.scryptCost), nickname: nickname ?? userId });
    return { userId };
  }

  /** The user when `password` is theirs; every attempt is throttled, only failures count. */
  function checkPassword(userId: string, password: string, address: string): Promise<UserRecord | undefined> {
    return logins.attempt(userId, address, async () => {
      const user = await store.getUser(userId);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
      return user && ok ? user : undefined;
    });
  }

  async function login(input: unknown, _caller: string, request: RequestInfo): Promise<LoginResult> {
    const { userId, password } = parseInput(loginBody, input);
    const user = await checkPassword(userId, password, request.address);
    if (!user) throw badCredentials();
    return { userId, ...tokens.issue(userId, user.tokenGeneration) };
  }

  /** Revokes the token of this request; its WebSocket connections are closed with 4003. */
  async function logout(_input: unknown, caller: string, request: RequestInfo) {
    const token = request.token!;
    await tokens.revoke(token);
    revoked({ userId: caller, tokenHash: token.tokenHash });
    return {};
  }

  /** A new password revokes every token of the user; the answer carries a fresh one. */
  async function changePassword(input: unknown, caller: string, request: RequestInfo): Promise<LoginResult> {
    const { oldPassword, newPassword } = parseInput(passwordBody, input);
    if (!(await checkPassword(caller, oldPassword, request.address))) {
      throw new ImError(ErrorCode.BAD_CREDENTIALS, 'oldPassword is wrong');
    }
    const generation = await store.setPassword(caller, await hashPassword(newPassword, config.scryptCost));
    revoked({ userId: caller });
    return { userId: caller, ...tokens.issue(caller, generation) };
  }

  async function profile(input: unknown) {
    const { userId } = parseInput(userRef, input);
    const user = await store.getUser(userId);
    if (!user) throw err.userNotFound(userId);
    return { userId, nickname: user.nickname };
  }

  const blocking = (action: 'block' | 'unblock') => async (input: unknown, caller: string) => {
    const { userId } = parseInput(userRef, input);
    notSelf(caller, userId);
    await requireUser(store, userId);
    await store[action](caller, userId);
    return {};
  };

  async function settings(input: unknown, caller: string) {
    const { allowStrangers } = parseInput(settingsBody, input);
    await store.setAllowStrangers(caller, allowStrangers);
    return { allowStrangers };
  }

  return [
    post('/user/register', 'public', register),
    post('/user/login', 'public', login),
    post('/user/logout', 'user', logout),
    post('/user/password', 'user', changePassword),
    get('/user/profile', 'user', profile),
    post('/user/block', 'user', blocking('block')),
    post('/user/unblock', 'user', blocking('unblock')),
    post('/user/settings', 'user', settings),
  ];
}
