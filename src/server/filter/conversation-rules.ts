import { ConvType, ErrorCode, READ_DIFFUSION_TYPES, convTypeName } from '../../protocol/codes.js';
import type { GroupMember } from '../../protocol/frames.js';
import { SYSTEM_USER, convIdFor } from '../../protocol/ids.js';
import { ImError, err } from '../errors.js';
import { routedOf, type Routed, type RouteStage, type Submitted } from '../pipeline.js';
import type { GroupRecord, MessageStore } from '../store/message-store.js';

/**
 * The filter of §4: who may send to which conversation, and who receives. Checked in the order
 * the contract gives: missing user or group (3009/3008), a block in either direction (3002, for
 * one-to-one conversations), then the type's own rule. A retry of a stored message never gets
 * here: the dedupe stage ended it as a Duplicate (§6.2).
 */
export function createConversationFilter(store: MessageStore): RouteStage {
  return async function conversationFilter(msg: Submitted): Promise<Routed> {
    // Write diffusion gives each receiver an inbox row and a pts; read diffusion and transient
    // messages only push to whoever is online.
    const writeDiffusion = msg.persist && !READ_DIFFUSION_TYPES.has(msg.convType);
    const rule = await ruleOf(store, msg, writeDiffusion);
    const convId = convIdFor(msg.convType, msg.from, msg.to);
    const exceptSender = msg.control.sync === false;
    if ('group' in rule) {
      const audience = { groupId: rule.group.groupId, version: rule.group.memberVersion, exceptSender };
      return routedOf(msg, { convId, inboxUsers: [], audience, participants: [] });
    }
    const receivers = exceptSender ? rule.users.filter((u) => u !== msg.from) : rule.users;
    return routedOf(msg, {
      convId,
      inboxUsers: writeDiffusion ? receivers : [],
      audience: writeDiffusion ? [] : receivers,
      participants: rule.participants,
    });
  };
}

/**
 * What a conversation's rule decides: its users (the sender among them) and its participants;
 * or, for a group whose message gets no inbox rows, only the group, which every node resolves
 * against its own connections (deliver/member-cache.ts).
 */
type Receivers = { users: readonly string[]; participants: readonly string[] } | { group: GroupRecord };

function ruleOf(store: MessageStore, msg: Submitted, writeDiffusion: boolean): Promise<Receivers> {
  switch (msg.convType) {
    case ConvType.SINGLE:
    case ConvType.STRANGER_CHAT:
      return pairRule(store, msg);
    case ConvType.SYSTEM_CONVERSATION:
      return systemRule(store, msg);
    default:
      return groupRule(store, msg, writeDiffusion);
  }
}

async function pairRule(store: MessageStore, msg: Submitted): Promise<Receivers> {
  const { from, to } = msg;
  if (to === from) throw err.badFrame('route.to: you cannot send a message to yourself');
  const peer = await store.relation(from, to);
  if (!peer) throw err.userNotFound(to);
  if (peer.blocked) throw new ImError(ErrorCode.BLOCKED, `${to} and you cannot message each other (blocked)`);
  const friends = peer.friends;
  if (msg.convType === ConvType.SINGLE && !friends) {
    throw new ImError(ErrorCode.NOT_FRIENDS, `${to} is not your friend; use STRANGER_CHAT (8) or add them first`);
  }
  if (msg.convType === ConvType.STRANGER_CHAT && !friends && !peer.allowStrangers) {
    throw new ImError(ErrorCode.STRANGERS_NOT_ALLOWED, `${to} does not accept messages from strangers`);
  }
  return { users: [to, from], participants: [from, to] };
}

async function systemRule(store: MessageStore, msg: Submitted): Promise<Receivers> {
  if (msg.from !== SYSTEM_USER) {
    throw new ImError(ErrorCode.SYSTEM_READ_ONLY, 'system conversations are written by the server only');
  }
  if (!(await store.getUser(msg.to))) throw err.userNotFound(msg.to);
  return { users: [msg.to], participants: [msg.to] };
}

async function groupRule(store: MessageStore, msg: Submitted, writeDiffusion: boolean): Promise<Receivers> {
  const group = await store.getGroup(msg.to);
  if (!group || group.type !== msg.convType) {
    throw new ImError(ErrorCode.CONVERSATION_NOT_FOUND, `no ${convTypeName(msg.convType)} with id ${msg.to}`);
  }
  const member = await store.getMember(group.groupId, msg.from);
  checkGroupSender(group, member, msg.from);
  if (!writeDiffusion) return { group };
  // Every member by name: each one's pts is made in the sender's transaction.
  return { users: await store.memberIds(group.groupId), participants: [] };
}

function checkGroupSender(group: GroupRecord, member: GroupMember | undefined, from: string): void {
  const admin = member?.role === 'owner' || member?.role === 'admin';
  switch (group.type) {
    case ConvType.CHATROOM:
      if (!member) throw new ImError(ErrorCode.NOT_IN_CHATROOM, `join chatroom ${group.groupId} before sending`);
      break;
    case ConvType.CHANNEL:
      if (!member) throw err.notMember(group.convId);
      if (!admin) throw new ImError(ErrorCode.CHANNEL_READ_ONLY, `only the owner and admins post in channel ${group.groupId}`);
      break;
    default:
      if (!member) throw err.notMember(group.convId);
  }
  if (member.muted) throw new ImError(ErrorCode.MUTED, `${from} is muted in ${group.groupId}`);
  if (group.type === ConvType.CUSTOM_CONVERSATION && group.policy === 'owner' && !admin) {
    throw new ImError(ErrorCode.POLICY_REJECTED, `only the owner and admins send in ${group.groupId} (policy owner)`);
  }
}
