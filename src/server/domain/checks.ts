import { ErrorCode } from '../../protocol/codes.js';
import type { GroupMember } from '../../protocol/frames.js';
import { ImError, err } from '../errors.js';
import type { GroupRecord, MessageStore } from '../store/message-store.js';

/**
 * The checks several operations share, each throwing the protocol's code. Order matters and
 * follows PROTOCOL.md §4: a missing user or group first, then membership, then role.
 */

/** @throws ImError BAD_FRAME when `target` is the caller */
export function notSelf(caller: string, target: string, field = 'userId'): void {
  if (caller === target) throw err.badFrame(`${field}: cannot be yourself`);
}

/** @throws ImError USER_NOT_FOUND */
export async function requireUser(store: MessageStore, userId: string): Promise<void> {
  if (!(await store.getUser(userId))) throw err.userNotFound(userId);
}

/** @throws ImError USER_NOT_FOUND naming the first missing user, in the given order */
export async function requireUsers(store: MessageStore, userIds: readonly string[]): Promise<void> {
  const existing = await store.existingUsers(userIds);
  const missing = userIds.find((u) => !existing.has(u));
  if (missing !== undefined) throw err.userNotFound(missing);
}

/** @throws ImError CONVERSATION_NOT_FOUND */
export async function requireGroup(store: MessageStore, groupId: string): Promise<GroupRecord> {
  const group = await store.getGroup(groupId);
  if (!group) throw err.groupNotFound(groupId);
  return group;
}

/** The caller as a member. @throws ImError NOT_MEMBER ("you are not a member of …") */
export async function requireMember(store: MessageStore, group: GroupRecord, userId: string): Promise<GroupMember> {
  const member = await store.getMember(group.groupId, userId);
  if (!member) throw err.notMember(group.groupId);
  return member;
}

/** Another user as a member. @throws ImError NOT_MEMBER naming the user */
export async function requireTarget(store: MessageStore, group: GroupRecord, userId: string): Promise<GroupMember> {
  const member = await store.getMember(group.groupId, userId);
  if (!member) throw new ImError(ErrorCode.NOT_MEMBER, `${userId} is not a member of ${group.groupId}`);
  return member;
}

export const isManager = (m: GroupMember): boolean => m.role === 'owner' || m.role === 'admin';

/** The caller as a member allowed to manage the group (owner or admin). @throws NOT_MEMBER, FORBIDDEN */
export async function requireManager(store: MessageStore, group: GroupRecord, caller: string): Promise<GroupMember> {
  const member = await requireMember(store, group, caller);
  if (!isManager(member)) throw err.forbidden(`only the owner or an admin of ${group.groupId} can do this`);
  return member;
}

/**
 * Nobody can put a user who blocked them into a group: the group would carry their messages to
 * the blocker after all. @throws ImError BLOCKED naming the first such user
 */
export async function refuseBlockers(store: MessageStore, caller: string, userIds: readonly string[]): Promise<void> {
  const [blocker] = await store.blockersOf(caller, userIds);
  if (blocker !== undefined) throw new ImError(ErrorCode.BLOCKED, `${blocker} has blocked you; you cannot add them to a group`);
}
