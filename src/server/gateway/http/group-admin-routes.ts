import { z } from 'zod';
import { ErrorCode } from '../../../protocol/codes.js';
import type { GroupMember } from '../../../protocol/frames.js';
import { ImError, err } from '../../errors.js';
import type { GroupRecord, MessageStore } from '../../store/message-store.js';
import { idField, idList, parseInput } from './body.js';
import { post, type Endpoint } from './endpoint.js';
import { refuseBlockers, requireGroup, requireManager, requireMember, requireUsers } from './guards.js';

const membersBody = z.object({ groupId: idField, members: idList });
const roleBody = z.object({ groupId: idField, userId: idField, role: z.enum(['admin', 'member']) });
const muteBody = z.object({ groupId: idField, userId: idField, muted: z.boolean() });

/** §2 /group/add-members, remove-members, set-role, mute: what owners and admins do. */
export function groupAdminRoutes({ store }: { store: MessageStore }): Endpoint[] {
  async function target(group: GroupRecord, userId: string): Promise<GroupMember> {
    const member = await store.getMember(group.groupId, userId);
    if (!member) throw new ImError(ErrorCode.NOT_MEMBER, `${userId} is not a member of ${group.groupId}`);
    return member;
  }

  async function refuseOtherAdmins(group: GroupRecord, caller: string, userIds: readonly string[]): Promise<void> {
    for (const userId of new Set(userIds)) {
      if (userId === caller) continue;
      const member = await store.getMember(group.groupId, userId);
      if (member?.role === 'admin') throw err.forbidden(`only the owner can remove the admin ${userId}`);
    }
  }

  async function addMembers(input: unknown, caller: string) {
    const body = parseInput(membersBody, input);
    const group = await requireGroup(store, body.groupId);
    await requireManager(store, group, caller);
    await requireUsers(store, body.members);
    await refuseBlockers(store, caller, body.members);
    return { added: await store.addMembers(group.groupId, body.members) };
  }

  // An admin manages plain members only; the owner manages everyone but itself (§2 is silent on
  // admin-vs-admin removal; mute's rule is applied to it too).
  async function removeMembers(input: unknown, caller: string) {
    const body = parseInput(membersBody, input);
    const group = await requireGroup(store, body.groupId);
    const me = await requireManager(store, group, caller);
    if (body.members.includes(group.owner)) throw err.forbidden(`the owner cannot be removed from ${group.groupId}`);
    if (me.role === 'admin') await refuseOtherAdmins(group, caller, body.members);
    return { removed: await store.removeMembers(group.groupId, body.members) };
  }

  async function setRole(input: unknown, caller: string) {
    const { groupId, userId, role } = parseInput(roleBody, input);
    const group = await requireGroup(store, groupId);
    const me = await requireMember(store, group, caller);
    if (me.role !== 'owner') throw err.forbidden(`only the owner of ${groupId} can change roles`);
    const member = await target(group, userId);
    if (member.role === 'owner') throw err.forbidden("the owner's role cannot be changed");
    await store.setRole(groupId, userId, role);
    return { userId, role };
  }

  async function mute(input: unknown, caller: string) {
    const { groupId, userId, muted } = parseInput(muteBody, input);
    const group = await requireGroup(store, groupId);
    const me = await requireManager(store, group, caller);
    const member = await target(group, userId);
    if (member.role === 'owner') throw err.forbidden('the owner cannot be muted');
    if (member.role === 'admin' && me.role === 'admin') throw err.forbidden('an admin cannot mute another admin');
    await store.setMuted(groupId, userId, muted);
    return { userId, muted };
  }

  return [
    post('/group/add-members', 'user', addMembers),
    post('/group/remove-members', 'user', removeMembers),
    post('/group/set-role', 'user', setRole),
    post('/group/mute', 'user', mute),
  ];
}
