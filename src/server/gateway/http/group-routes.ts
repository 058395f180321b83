import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { ConvType } from '../../../protocol/codes.js';
import { groupConvId } from '../../../protocol/ids.js';
import { err } from '../../errors.js';
import type { MessageStore } from '../../store/message-store.js';
import { MAX_MEMBERS_PER_CALL, groupRef, idField, parseInput } from './body.js';
import { get, post, type Endpoint } from './endpoint.js';
import { refuseBlockers, requireGroup, requireMember, requireUsers } from './guards.js';

const createBody = z.object({
  groupId: idField.optional(),
  type: z.literal(
    [ConvType.GROUP, ConvType.CHATROOM, ConvType.CHANNEL, ConvType.MILLION_GROUP, ConvType.CUSTOM_CONVERSATION],
    'must be one of 2, 3, 4, 5, 7',
  ),
  name: z.string().min(1).max(128),
  // `members` is optional (§2), so an empty list means the same as none.
  members: z.array(idField).max(MAX_MEMBERS_PER_CALL).optional(),
  policy: z.enum(['members', 'open', 'owner']).optional(),
});

/** Anyone may join these by themselves (§2 /group/join); other groups need an owner or admin. */
const SELF_JOIN: ReadonlySet<ConvType> = new Set([ConvType.CHATROOM, ConvType.CHANNEL]);

/** `g` + 12 base36 chars: 62 bits of randomness, so a collision (GROUP_EXISTS) is never seen in practice. */
function newGroupId(): string {
  let id = 'g';
  for (let i = 0; i < 12; i++) id += randomInt(36).toString(36);
  return id;
}

/** §2 /group/create, info, join, leave, members: what any user does with a group. */
export function groupRoutes({ store }: { store: MessageStore }): Endpoint[] {
  async function create(input: unknown, caller: string) {
    const body = parseInput(createBody, input);
    const isCustom = body.type === ConvType.CUSTOM_CONVERSATION;
    if (body.policy !== undefined && !isCustom) throw err.badFrame('policy: only a CUSTOM_CONVERSATION (type 7) has one');
    const members = [...new Set(body.members ?? [])].filter((u) => u !== caller);
    await requireUsers(store, members);
    await refuseBlockers(store, caller, members);
    const groupId = body.groupId ?? newGroupId();
    const convId = groupConvId(body.type, groupId);
    const policy = isCustom ? (body.policy ?? 'members') : undefined;
    await store.createGroup({ groupId, convId, type: body.type, name: body.name, owner: caller, members, ...(policy && { policy }) });
    return { groupId, convId };
  }

  async function info(input: unknown) {
    const group = await requireGroup(store, parseInput(groupRef, input).groupId);
    return { ...group, memberCount: await store.countMembers(group.groupId) };
  }

  async function join(input: unknown, caller: string) {
    const group = await requireGroup(store, parseInput(groupRef, input).groupId);
    const open = SELF_JOIN.has(group.type) || (group.type === ConvType.CUSTOM_CONVERSATION && group.policy === 'open');
    if (!open) throw err.forbidden(`${group.groupId} is not open: an owner or admin must add you`);
    await store.addMembers(group.groupId, [caller]);
    return { groupId: group.groupId, convId: group.convId };
  }

  async function leave(input: unknown, caller: string) {
    const group = await requireGroup(store, parseInput(groupRef, input).groupId);
    const me = await requireMember(store, group, caller);
    if (me.role === 'owner') throw err.forbidden(`the owner cannot leave ${group.groupId}`);
    await store.removeMembers(group.groupId, [caller]);
    return {};
  }

  async function members(input: unknown, caller: string) {
    const group = await requireGroup(store, parseInput(groupRef, input).groupId);
    await requireMember(store, group, caller);
    return { members: await store.listMembers(group.groupId) };
  }

  return [
    post('/group/create', 'user', create),
    get('/group/info', 'user', info),
    post('/group/join', 'user', join),
    post('/group/leave', 'user', leave),
    get('/group/members', 'user', members),
  ];
}
