import { ErrorCode } from '../../protocol/codes.js';
import type { FriendList } from '../../protocol/frames.js';
import { ImError } from '../errors.js';
import type { MessageStore } from '../store/message-store.js';
import { notSelf, requireUser } from './checks.js';
import type { DomainEvents } from './events.js';

/** §2 /friend/* and /user/block, /user/unblock: the relation between two users. */
export class Social {
  constructor(
    private readonly store: MessageStore,
    private readonly events: DomainEvents,
  ) {}

  /** Friends once both sides added each other. @throws BAD_FRAME (yourself), USER_NOT_FOUND, BLOCKED */
  async addFriend(caller: string, userId: string): Promise<{ status: 'pending' | 'friends' }> {
    await this.other(caller, userId);
    if (await this.store.isBlockedEitherWay(caller, userId)) {
      throw new ImError(ErrorCode.BLOCKED, `you cannot add ${userId}: one of you blocks the other`);
    }
    const status = await this.store.addFriend(caller, userId);
    this.events.socialChanged('friend', caller, userId);
    return { status };
  }

  /** Removes the friendship and both pending requests. @throws BAD_FRAME (yourself), USER_NOT_FOUND */
  async removeFriend(caller: string, userId: string): Promise<void> {
    await this.other(caller, userId);
    await this.store.removeFriend(caller, userId);
    this.events.socialChanged('friend', caller, userId);
  }

  listFriends(caller: string): Promise<FriendList> {
    return this.store.listFriends(caller);
  }

  /** @throws BAD_FRAME (yourself), USER_NOT_FOUND */
  async block(caller: string, userId: string): Promise<void> {
    await this.other(caller, userId);
    await this.store.block(caller, userId);
    this.events.socialChanged('block', caller, userId);
  }

  /** @throws BAD_FRAME (yourself), USER_NOT_FOUND */
  async unblock(caller: string, userId: string): Promise<void> {
    await this.other(caller, userId);
    await this.store.unblock(caller, userId);
    this.events.socialChanged('block', caller, userId);
  }

  private async other(caller: string, userId: string): Promise<void> {
    notSelf(caller, userId);
    await requireUser(this.store, userId);
  }
}
