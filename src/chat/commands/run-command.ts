import type { ImHttp } from '../../client/index.js';
import { ConvType, GROUP_CONV_TYPES, MsgType, cmdName, convTypeName } from '../../protocol/codes.js';
import { convIdFor, isValidId } from '../../protocol/ids.js';
import { timelineView } from '../model/chat-selectors.js';
import type { Conversation } from '../model/chat-types.js';
import type { Notice, Overlay, SessionView, WireEvent } from '../session/session-types.js';
import { COMMAND_HELP, type ChatCommand } from './parse-command.js';

/** What a command may do to its session; the session implements it, tests can too. */
export interface CommandContext {
  userId: string;
  http(): ImHttp;
  view(): SessionView;
  selected(): Conversation | undefined;
  /** The message under the timeline cursor, if the user moved it. */
  selectedMsgId: string | null;
  /** Lists (if new) and selects a conversation. */
  open(convType: ConvType, target: string, name: string): void;
  /** Runs what selecting does (history of an empty timeline, read marker). */
  afterOpen(convId: string): void;
  send(conv: Conversation, msgType: MsgType, content: Record<string, unknown>): void;
  read(conv: Conversation): Promise<void>;
  loadOlder(convId: string, limit: number): Promise<void>;
  sync(): Promise<{ from: number; to: number; messages: number }>;
  refreshConversations(): Promise<void>;
  reconnect(): void;
  rawFor(msgId: string): unknown;
  recentFrames(): readonly WireEvent[];
  notice(level: Notice['level'], text: string): void;
  overlay(overlay: Overlay | null): void;
  extraHelp: readonly string[];
  quit(): void;
}

type Handler<K extends ChatCommand['kind']> = (ctx: CommandContext, command: Extract<ChatCommand, { kind: K }>) => Promise<void> | void;

const GROUP_TYPES: ReadonlySet<number> = new Set(GROUP_CONV_TYPES);

/**
 * Errors (thrown, or ImRequestError rejections) propagate: the session shows them with their code
 * name. A command that needs no round trip returns nothing, so the next line need not wait for it.
 */
export function runCommand(ctx: CommandContext, command: ChatCommand): Promise<void> | void {
  return (HANDLERS[command.kind] as Handler<ChatCommand['kind']>)(ctx, command);
}

const HANDLERS: { [K in ChatCommand['kind']]: Handler<K> } = {
  text: (ctx, { text }) => ctx.send(needConversation(ctx), MsgType.TEXT, { text }),
  dm: (ctx, { user }) => openPair(ctx, ConvType.SINGLE, user),
  stranger: (ctx, { user }) => openPair(ctx, ConvType.STRANGER_CHAT, user),
  create: async (ctx, { convType, name, members }) => {
    // A name that is a valid id becomes the group id, so others can `/join` it by the name they see.
    const request = { type: convType, name, members, ...(isValidId(name) ? { groupId: name } : {}) };
    const { groupId } = await ctx.http().groupCreate(request);
    openAndSelect(ctx, convType, groupId, name);
    ctx.notice('info', `created ${convTypeName(convType).toLowerCase()} ${groupId}${members.length > 0 ? ` with ${members.join(', ')}` : ''}`);
  },
  join: async (ctx, { groupId }) => {
    await ctx.http().groupJoin(groupId);
    const info = await ctx.http().groupInfo(groupId);
    openAndSelect(ctx, info.type, info.groupId, info.name);
    ctx.notice('info', `joined ${info.name} (${info.memberCount} members)`);
  },
  invite: async (ctx, { users }) => {
    const conv = needGroup(ctx);
    await ctx.http().groupAddMembers(conv.target, users);
    ctx.notice('info', `added ${users.join(', ')} to ${conv.name}`);
  },
  leave: async (ctx) => {
    const conv = needGroup(ctx);
    await ctx.http().groupLeave(conv.target);
    ctx.notice('info', `left ${conv.name}`);
  },
  members: async (ctx) => {
    const conv = needGroup(ctx);
    const { members } = await ctx.http().groupMembers(conv.target);
    const lines = members.map((m) => `${m.userId}${m.role === 'member' ? '' : `  (${m.role})`}${m.muted ? '  muted' : ''}`);
    ctx.overlay({ title: `${conv.name}: ${members.length} members`, lines });
  },
  friendAdd: async (ctx, { user }) => {
    const { status } = await ctx.http().friendAdd(user);
    ctx.notice('info', status === 'friends' ? `you and ${user} are friends: /dm ${user}` : `friend request sent to ${user}`);
  },
  friendRemove: async (ctx, { user }) => {
    await ctx.http().friendRemove(user);
    ctx.notice('info', `${user} is no longer a friend`);
  },
  friendList: async (ctx) => {
    const { friends, pendingIn, pendingOut } = await ctx.http().friendList();
    ctx.overlay({
      title: 'friends',
      lines: [
        `friends: ${friends.join(', ') || '(none)'}`,
        `asked you (accept with /friend add USER): ${pendingIn.join(', ') || '(none)'}`,
        `you asked: ${pendingOut.join(', ') || '(none)'}`,
      ],
    });
  },
  block: async (ctx, { user }) => {
    await ctx.http().block(user);
    ctx.notice('info', `blocked ${user}`);
  },
  unblock: async (ctx, { user }) => {
    await ctx.http().unblock(user);
    ctx.notice('info', `unblocked ${user}`);
  },
  read: async (ctx) => {
    const conv = needConversation(ctx);
    await ctx.read(conv);
    ctx.notice('info', `${conv.name} read up to seq ${conv.maxSeq}`);
  },
  history: (ctx, { limit }) => ctx.loadOlder(needConversation(ctx).convId, limit),
  sync: async (ctx) => {
    const { from, to, messages } = await ctx.sync();
    ctx.notice('info', `sync from pts ${from}: ${messages} message${messages === 1 ? '' : 's'}, now at pts ${to}`);
  },
  typing: (ctx) => ctx.send(needConversation(ctx), MsgType.TYPING, {}),
  reconnect: (ctx) => ctx.reconnect(),
  raw: (ctx) => {
    const conv = needConversation(ctx);
    const messages = timelineView(ctx.view().state, conv.convId);
    const message = messages.find((m) => m.msgId === ctx.selectedMsgId) ?? messages.at(-1);
    if (message === undefined) throw new Error(`${conv.name} has no message to show yet`);
    const frame = ctx.rawFor(message.msgId) ?? message;
    ctx.overlay({ title: `raw ${message.msgId} (Esc closes)`, lines: JSON.stringify(frame, null, 2).split('\n') });
  },
  log: (ctx) => {
    const lines = ctx.recentFrames().slice(-100).map((e) => {
      const time = new Date(e.at).toISOString().slice(11, 23);
      return `${time} ${e.direction === 'out' ? '>' : '<'} ${cmdName(e.frame.header.cmd)} ${JSON.stringify(e.frame)}`;
    });
    ctx.overlay({ title: 'last frames, newest last (Esc closes)', lines: lines.length > 0 ? lines : ['(none yet)'] });
  },
  help: (ctx) => {
    const width = Math.max(...COMMAND_HELP.map((h) => h.usage.length));
    const lines = COMMAND_HELP.map((h) => `${h.usage.padEnd(width)}  ${h.does}`);
    ctx.overlay({ title: 'commands (Esc closes)', lines: [...lines, '', ...ctx.extraHelp] });
  },
  quit: (ctx) => ctx.quit(),
};

function openPair(ctx: CommandContext, convType: ConvType, user: string): Promise<void> | void {
  if (user === ctx.userId) throw new Error('that is you: pick someone else');
  if (!isValidId(user)) throw new Error(`"${user}" is not a user id (letters, digits, _ . -)`);
  const convId = convIdFor(convType, ctx.userId, user);
  if (ctx.view().state.conversations[convId] !== undefined) return openAndSelect(ctx, convType, user, user);
  // Asked before anything opens: a chat with nobody would only fail at the first send (3009).
  return ctx
    .http()
    .profile(user)
    .then(() => openAndSelect(ctx, convType, user, user));
}

function openAndSelect(ctx: CommandContext, convType: ConvType, target: string, name: string): void {
  ctx.open(convType, target, name);
  const selected = ctx.selected();
  if (selected !== undefined) ctx.afterOpen(selected.convId);
}

function needConversation(ctx: CommandContext): Conversation {
  const conv = ctx.selected();
  if (conv === undefined) throw new Error('no conversation selected: /dm USER, /join ROOM, or Ctrl-N to pick one');
  return conv;
}

function needGroup(ctx: CommandContext): Conversation {
  const conv = needConversation(ctx);
  if (!GROUP_TYPES.has(conv.convType)) throw new Error(`${conv.name} is not a group: select a group first`);
  return conv;
}
