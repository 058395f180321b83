import { ErrorCode } from '../../../protocol/codes.js';
import { ImError } from '../../errors.js';
import type { MessageStore } from '../../store/message-store.js';
import { parseInput, userRef } from './body.js';
import { get, post, type Endpoint } from './endpoint.js';
import { notSelf, requireUser } from './guards.js';

/** §2 /friend/*: add (friends once both sides added), remove, list. */
export function friendRoutes({ store }: { store: MessageStore }): Endpoint[] {
  async function target(input: unknown, caller: string): Promise<string> {
    const { userId } = parseInput(userRef, input);
    notSelf(caller, userId);
    await requireUser(store, userId);
    return userId;
  }

  async function add(input: unknown, caller: string) {
    const userId = await target(input, caller);
    if (await store.isBlockedEitherWay(caller, userId)) {
      throw new ImError(ErrorCode.BLOCKED, `you cannot add ${userId}: one of you blocks the other`);
    }
    return { status: await store.addFriend(caller, userId) };
  }

  async function remove(input: unknown, caller: string) {
    await store.removeFriend(caller, await target(input, caller));
    return {};
  }

  return [
    post('/friend/add', 'user', add),
    post('/friend/remove', 'user', remove),
    get('/friend/list', 'user', async (_input, caller) => store.listFriends(caller)),
  ];
}
