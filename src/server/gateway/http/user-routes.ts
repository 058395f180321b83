import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode } from '../../../protocol/codes.js';
import type { LoginResult } from '../../../protocol/frames.js';
import { SYSTEM_USER } from '../../../protocol/ids.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import type { TokenSigner } from '../../auth/tokens.js';
import { ImError, err } from '../../errors.js';
import type { MessageStore } from '../../store/message-store.js';
import { idField, parseInput, userRef } from './body.js';
import { get, post, type Endpoint } from './endpoint.js';
import { notSelf, requireUser } from './guards.js';

const password = z.string().min(1).max(256);
const registerBody = z.object({ userId: idField, password, nickname: z.string().min(1).max(64).optional() });
const loginBody = z.object({ userId: idField, password });
const settingsBody = z.object({ allowStrangers: z.boolean() });

const badCredentials = () => new ImError(ErrorCode.BAD_CREDENTIALS, 'wrong userId or password');

/** §2 /user/*: register, login, profile, block, unblock, settings. */
export function userRoutes({ store, tokens, config }: { store: MessageStore; tokens: TokenSigner; config: { scryptCost: number } }): Endpoint[] {
  // An unknown user costs the same scrypt as a wrong password, so timing does not tell which.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex'), config.scryptCost));

  async function register(input: unknown) {
    const { userId, password, nickname } = parseInput(registerBody, input);
    if (userId === SYSTEM_USER) throw new ImError(ErrorCode.USER_EXISTS, `${SYSTEM_USER} is a reserved userId`);
    await store.createUser({ userId, passwordHash: await hashPassword(password, config.scryptCost), nickname: nickname ?? userId });
    return { userId };
  }

  async function login(input: unknown): Promise<LoginResult> {
    const { userId, password } = parseInput(loginBody, input);
    const user = await store.getUser(userId);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !ok) throw badCredentials();
    return { userId, ...tokens.issue(userId) };
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
    get('/user/profile', 'user', profile),
    post('/user/block', 'user', blocking('block')),
    post('/user/unblock', 'user', blocking('unblock')),
    post('/user/settings', 'user', settings),
  ];
}
