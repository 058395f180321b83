import { z } from 'zod';
import type { Accounts } from '../../domain/accounts.js';
import type { Social } from '../../domain/social.js';
import { idField, parseInput, userRef } from './body.js';
import { get, post, type Endpoint } from './endpoint.js';

const password = z.string().min(1).max(256);
const registerBody = z.object({ userId: idField, password, nickname: z.string().min(1).max(64).optional() });
const loginBody = z.object({ userId: idField, password });
const passwordBody = z.object({ oldPassword: password, newPassword: password });
const settingsBody = z.object({ allowStrangers: z.boolean() });

export interface UserRouteDeps {
  accounts: Accounts;
  social: Social;
}

/**
 * §2 /user/*: register, login, logout, password, profile, block, unblock, settings. The rules
 * live in domain/accounts.ts and domain/social.ts.
 */
export function userRoutes({ accounts, social }: UserRouteDeps): Endpoint[] {
  const blocking = (action: 'block' | 'unblock'): Endpoint['handle'] => async (input, caller) => {
    await social[action](caller, parseInput(userRef, input).userId);
    return {};
  };

  return [
    post('/user/register', 'public', async (input) => accounts.register(parseInput(registerBody, input))),
    post('/user/login', 'public', async (input, _caller, request) => {
      const { userId, password } = parseInput(loginBody, input);
      return accounts.login(userId, password, request.address);
    }),
    // Revokes the token of this request; its WebSocket connections are closed with 4003.
    post('/user/logout', 'user', async (_input, _caller, request) => {
      await accounts.logout(request.token!);
      return {};
    }),
    post('/user/password', 'user', async (input, caller, request) => {
      const { oldPassword, newPassword } = parseInput(passwordBody, input);
      return accounts.changePassword(caller, oldPassword, newPassword, request.address);
    }),
    get('/user/profile', 'user', async (input) => accounts.profile(parseInput(userRef, input).userId)),
    post('/user/block', 'user', blocking('block')),
    post('/user/unblock', 'user', blocking('unblock')),
    post('/user/settings', 'user', async (input, caller) => accounts.settings(caller, parseInput(settingsBody, input).allowStrangers)),
  ];
}
