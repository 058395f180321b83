import type { Social } from '../../domain/social.js';
import { parseInput, userRef } from './body.js';
import { get, post, type Endpoint } from './endpoint.js';

/** §2 /friend/*: add (friends once both sides added), remove, list. The rules live in domain/social.ts. */
export function friendRoutes({ social }: { social: Social }): Endpoint[] {
  return [
    post('/friend/add', 'user', async (input, caller) => social.addFriend(caller, parseInput(userRef, input).userId)),
    post('/friend/remove', 'user', async (input, caller) => {
      await social.removeFriend(caller, parseInput(userRef, input).userId);
      return {};
    }),
    get('/friend/list', 'user', async (_input, caller) => social.listFriends(caller)),
  ];
}
