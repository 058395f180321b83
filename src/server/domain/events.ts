import type { Bus, GroupChange, SocialChange } from '../sync/bus.js';
import type { GroupRecord } from '../store/message-store.js';

/**
 * How the domain tells every node that state it may cache has changed. Called only after the
 * store write succeeded; the events carry ids, never the new state.
 */
export class DomainEvents {
  constructor(private readonly bus: Bus) {}

  /** Skips an empty `userIds` for member changes: the store changed nothing. */
  groupChanged(group: Pick<GroupRecord, 'groupId' | 'convId'>, change: GroupChange, userIds: readonly string[]): void {
    if (userIds.length === 0 && (change === 'members-added' || change === 'members-removed')) return;
    this.bus.publish({ kind: 'group-changed', groupId: group.groupId, convId: group.convId, change, userIds: [...userIds] });
  }

  socialChanged(change: SocialChange, actor: string, other: string): void {
    this.bus.publish({ kind: 'social-changed', change, userIds: [actor, other] });
  }

  /** One token (logout) or every token of the user (password change): their sockets close with 4003. */
  tokensRevoked(userId: string, tokenHash?: string): void {
    this.bus.publish(tokenHash === undefined ? { kind: 'tokens-revoked', userId } : { kind: 'tokens-revoked', userId, tokenHash });
  }
}
