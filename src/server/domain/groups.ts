import { randomInt } from 'node:crypto';
import { ConvType } from '../../protocol/codes.js';
import type { GroupInfo, GroupMember, GroupPolicy } from '../../protocol/frames.js';
import { groupConvId } from '../../protocol/ids.js';
import { err } from '../errors.js';
import type { GroupRecord, MessageStore } from '../store/message-store.js';
import { refuseBlockers, requireGroup, requireManager, requireMember, requireTarget, requireUsers } from './checks.js';
import type { DomainEvents } from './events.js';

/** The conversation types a group backs. */
export type GroupType = (typeof ConvType)['GROUP' | 'CHATROOM' | 'CHANNEL' | 'MILLION_GROUP' | 'CUSTOM_CONVERSATION'];

export interface CreateGroupInput {
  /** Chosen by the server when absent. */
  groupId?: string | undefined;
  type: GroupType;
  name: string;
  /** Besides the caller (the owner); duplicates and the caller are ignored. */
  members?: readonly string[] | undefined;
  /** CUSTOM_CONVERSATION only; defaults to `members` there. */
  policy?: GroupPolicy | undefined;
}

export interface GroupRef {
  groupId: string;
  convId: string;
}

/** Anyone may join these by themselves (§2 /group/join); other groups need an owner or admin. */
const SELF_JOIN: ReadonlySet<ConvType> = new Set([ConvType.CHATROOM, ConvType.CHANNEL]);

/** `g` + 12 base36 chars: 62 bits of randomness, so a collision (GROUP_EXISTS) is never seen in practice. */
function newGroupId(): string {
  let id = 'g';
  for (let i = 0; i < 12; i++) id += randomInt(36).toString(36);
  return id;
}

/**
 * §2 /group/*: what any user does with a group (create, info, join, leave, members) and what its
 * owner and admins do (add/remove members, set roles, mute). Every change is published as a
 * `group-changed` event after the store has it.
 */
export class Groups {
  constructor(
    private readonly store: MessageStore,
    private readonly events: DomainEvents,
  ) {}

  /** @throws BAD_FRAME (policy on a type other than 7), USER_NOT_FOUND, BLOCKED, GROUP_EXISTS */
  async create(caller: string, input: CreateGroupInput): Promise<GroupRef> {
    const isCustom = input.type === ConvType.CUSTOM_CONVERSATION;
    if (input.policy !== undefined && !isCustom) throw err.badFrame('policy: only a CUSTOM_CONVERSATION (type 7) has one');
    const members = [...new Set(input.members ?? [])].filter((u) => u !== caller);
    await requireUsers(this.store, members);
    await refuseBlockers(this.store, caller, members);
    const groupId = input.groupId ?? newGroupId();
    const convId = groupConvId(input.type, groupId);
    const policy = isCustom ? (input.policy ?? 'members') : undefined;
    await this.store.createGroup({ groupId, convId, type: input.type, name: input.name, owner: caller, members, ...(policy && { policy }) });
    this.events.groupChanged({ groupId, convId }, 'created', [caller, ...members]);
    return { groupId, convId };
  }

  /** Anyone logged in may look a group up. @throws CONVERSATION_NOT_FOUND */
  async info(groupId: string): Promise<GroupInfo> {
    // The membership version is the fan-out caches' business, not part of §2's answer.
    const { memberVersion: _, ...group } = await requireGroup(this.store, groupId);
    return { ...group, memberCount: await this.store.countMembers(group.groupId) };
  }

  /** CHATROOM, CHANNEL and open CUSTOM groups only. @throws CONVERSATION_NOT_FOUND, FORBIDDEN */
  async join(caller: string, groupId: string): Promise<GroupRef> {
    const group = await requireGroup(this.store, groupId);
    const open = SELF_JOIN.has(group.type) || (group.type === ConvType.CUSTOM_CONVERSATION && group.policy === 'open');
    if (!open) throw err.forbidden(`${group.groupId} is not open: an owner or admin must add you`);
    const added = await this.store.addMembers(group.groupId, [caller]);
    this.events.groupChanged(group, 'members-added', added);
    return { groupId: group.groupId, convId: group.convId };
  }

  /** @throws CONVERSATION_NOT_FOUND, NOT_MEMBER, FORBIDDEN (the owner) */
  async leave(caller: string, groupId: string): Promise<void> {
    const group = await requireGroup(this.store, groupId);
    const me = await requireMember(this.store, group, caller);
    if (me.role === 'owner') throw err.forbidden(`the owner cannot leave ${group.groupId}`);
    const removed = await this.store.removeMembers(group.groupId, [caller]);
    this.events.groupChanged(group, 'members-removed', removed);
  }

  /** Members only. @throws CONVERSATION_NOT_FOUND, NOT_MEMBER */
  async members(caller: string, groupId: string): Promise<GroupMember[]> {
    const group = await requireGroup(this.store, groupId);
    await requireMember(this.store, group, caller);
    return this.store.listMembers(group.groupId);
  }

  /** Owner or admin; never someone who blocked the caller. Returns who was actually added. @throws CONVERSATION_NOT_FOUND, NOT_MEMBER, FORBIDDEN, USER_NOT_FOUND, BLOCKED */
  async addMembers(caller: string, groupId: string, userIds: readonly string[]): Promise<string[]> {
    const group = await requireGroup(this.store, groupId);
    await requireManager(this.store, group, caller);
    await requireUsers(this.store, userIds);
    await refuseBlockers(this.store, caller, userIds);
    const added = await this.store.addMembers(group.groupId, userIds);
    this.events.groupChanged(group, 'members-added', added);
    return added;
  }

  /**
   * An admin removes plain members only; the owner removes everyone but itself (§2 is silent on
   * admin-vs-admin removal; mute's rule is applied to it too). Returns who was actually removed.
   * @throws CONVERSATION_NOT_FOUND, NOT_MEMBER, FORBIDDEN
   */
  async removeMembers(caller: string, groupId: string, userIds: readonly string[]): Promise<string[]> {
    const group = await requireGroup(this.store, groupId);
    const me = await requireManager(this.store, group, caller);
    if (userIds.includes(group.owner)) throw err.forbidden(`the owner cannot be removed from ${group.groupId}`);
    if (me.role === 'admin') await this.refuseOtherAdmins(group, caller, userIds);
    const removed = await this.store.removeMembers(group.groupId, userIds);
    this.events.groupChanged(group, 'members-removed', removed);
    return removed;
  }

  /** The owner only, never on itself. @throws CONVERSATION_NOT_FOUND, NOT_MEMBER, FORBIDDEN */
  async setRole(caller: string, groupId: string, userId: string, role: 'admin' | 'member'): Promise<{ userId: string; role: 'admin' | 'member' }> {
    const group = await requireGroup(this.store, groupId);
    const me = await requireMember(this.store, group, caller);
    if (me.role !== 'owner') throw err.forbidden(`only the owner of ${groupId} can change roles`);
    const member = await requireTarget(this.store, group, userId);
    if (member.role === 'owner') throw err.forbidden("the owner's role cannot be changed");
    await this.store.setRole(groupId, userId, role);
    this.events.groupChanged(group, 'role', [userId]);
    return { userId, role };
  }

  /** Owner or admin; never the owner, and an admin never another admin. @throws CONVERSATION_NOT_FOUND, NOT_MEMBER, FORBIDDEN */
  async mute(caller: string, groupId: string, userId: string, muted: boolean): Promise<{ userId: string; muted: boolean }> {
    const group = await requireGroup(this.store, groupId);
    const me = await requireManager(this.store, group, caller);
    const member = await requireTarget(this.store, group, userId);
    if (member.role === 'owner') throw err.forbidden('the owner cannot be muted');
    if (member.role === 'admin' && me.role === 'admin') throw err.forbidden('an admin cannot mute another admin');
    await this.store.setMuted(groupId, userId, muted);
    this.events.groupChanged(group, 'mute', [userId]);
    return { userId, muted };
  }

  private async refuseOtherAdmins(group: GroupRecord, caller: string, userIds: readonly string[]): Promise<void> {
    for (const userId of new Set(userIds)) {
      if (userId === caller) continue;
      const member = await this.store.getMember(group.groupId, userId);
      if (member?.role === 'admin') throw err.forbidden(`only the owner can remove the admin ${userId}`);
    }
  }
}
