import { ConvType } from '../../protocol/codes.js';

/** A line the user typed, understood. Commands act on the selected conversation where they take none. */
export type ChatCommand =
  | { kind: 'text'; text: string }
  | { kind: 'dm'; user: string }
  | { kind: 'stranger'; user: string }
  | { kind: 'create'; convType: ConvType; name: string; members: string[] }
  | { kind: 'join'; groupId: string }
  | { kind: 'leave' }
  | { kind: 'members' }
  | { kind: 'invite'; users: string[] }
  | { kind: 'friendAdd'; user: string }
  | { kind: 'friendRemove'; user: string }
  | { kind: 'friendList' }
  | { kind: 'block'; user: string }
  | { kind: 'unblock'; user: string }
  | { kind: 'read' }
  | { kind: 'history'; limit: number }
  | { kind: 'sync' }
  | { kind: 'typing' }
  | { kind: 'reconnect' }
  | { kind: 'raw' }
  | { kind: 'log' }
  | { kind: 'help' }
  | { kind: 'quit' };

export type ParseResult = { ok: true; command: ChatCommand } | { ok: false; error: string };

/** One row of `/help`, and the source of truth for what the parser accepts. */
export interface CommandHelp {
  usage: string;
  does: string;
}

export const COMMAND_HELP: readonly CommandHelp[] = [
  { usage: '/dm USER', does: 'open the one-to-one chat with a friend' },
  { usage: '/stranger USER', does: 'open a stranger chat (no friendship needed)' },
  { usage: '/group create NAME [a,b,…]', does: 'create a group with these members and open it' },
  { usage: '/room create NAME', does: 'create an open chat room (others /join it)' },
  { usage: '/channel create NAME [a,b,…]', does: 'create a channel (only admins post)' },
  { usage: '/mgroup create NAME [a,b,…]', does: 'create a million-member group (read diffusion: no pts)' },
  { usage: '/join ROOM', does: 'join a group or room by its id and open it' },
  { usage: '/invite a,b,…', does: 'add members to the selected group' },
  { usage: '/leave', does: 'leave the selected group' },
  { usage: '/members', does: 'list the members of the selected group' },
  { usage: '/friend add|remove USER', does: 'send or accept a friend request / unfriend' },
  { usage: '/friend list', does: 'friends and pending requests' },
  { usage: '/block USER, /unblock USER', does: 'block or unblock a user' },
  { usage: '/read', does: 'mark the selected conversation read' },
  { usage: '/history [N]', does: 'load N older messages (default 50), like PgUp' },
  { usage: '/sync', does: 'SYNC from the saved pts and show what it fetched' },
  { usage: '/typing', does: 'send a typing notice to the selected conversation' },
  { usage: '/reconnect', does: 'connect again now, e.g. after a KICK (signs out the other connection; also Ctrl-R)' },
  { usage: '/raw', does: "the selected message's frame as JSON" },
  { usage: '/log', does: 'the last frames sent and received' },
  { usage: '/help', does: 'this list' },
  { usage: '/quit', does: 'leave im chat (also Ctrl-C)' },
  { usage: '//text', does: 'send a line that starts with /' },
];

const CREATE_TYPES: Record<string, ConvType> = {
  group: ConvType.GROUP,
  room: ConvType.CHATROOM,
  chatroom: ConvType.CHATROOM,
  channel: ConvType.CHANNEL,
  mgroup: ConvType.MILLION_GROUP,
  custom: ConvType.CUSTOM_CONVERSATION,
};

const SIMPLE: Record<string, ChatCommand> = {
  leave: { kind: 'leave' },
  members: { kind: 'members' },
  read: { kind: 'read' },
  sync: { kind: 'sync' },
  typing: { kind: 'typing' },
  reconnect: { kind: 'reconnect' },
  raw: { kind: 'raw' },
  log: { kind: 'log' },
  help: { kind: 'help' },
  quit: { kind: 'quit' },
  exit: { kind: 'quit' },
};

const NAMES = ['dm', 'stranger', 'group', 'room', 'channel', 'mgroup', 'custom', 'join', 'invite', 'friend', 'block', 'unblock', 'history', ...Object.keys(SIMPLE)];

/** Splits on spaces, keeping "quoted words" together. */
export function tokenize(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

const list = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const ok = (command: ChatCommand): ParseResult => ({ ok: true, command });
const usage = (name: string): ParseResult => {
  const row = COMMAND_HELP.find((h) => h.usage.startsWith(`/${name} `) || h.usage.startsWith(`/${name},`));
  return { ok: false, error: `usage: ${row?.usage ?? `/${name}`}` };
};

/** Parses one input line. Text that does not start with `/` (or starts with `//`) is a message. */
export function parseCommand(line: string): ParseResult {
  const trimmed = line.trim();
  if (!trimmed.startsWith('/')) return ok({ kind: 'text', text: line });
  if (trimmed.startsWith('//')) return ok({ kind: 'text', text: line.replace(/^\s*\//, '') });
  const [head = '', ...args] = tokenize(trimmed.slice(1));
  const name = head.toLowerCase();
  const simple = SIMPLE[name];
  if (simple !== undefined) return args.length === 0 ? ok(simple) : { ok: false, error: `/${name} takes no arguments` };
  switch (name) {
    case 'dm':
    case 'stranger':
      return args.length === 1 && args[0] ? ok({ kind: name, user: args[0] }) : usage(name);
    case 'join':
      return args.length === 1 && args[0] ? ok({ kind: 'join', groupId: args[0] }) : usage(name);
    case 'invite':
      return args.length === 1 && list(args[0]).length > 0 ? ok({ kind: 'invite', users: list(args[0]) }) : usage(name);
    case 'block':
    case 'unblock':
      return args.length === 1 && args[0] ? ok({ kind: name, user: args[0] }) : { ok: false, error: `usage: /${name} USER` };
    case 'friend':
      return parseFriend(args);
    case 'history':
      return parseHistory(args);
    default: {
      const convType = CREATE_TYPES[name];
      if (convType !== undefined) return parseCreate(name, convType, args);
      return { ok: false, error: `unknown command /${head}${suggest(name)}; /help lists them (//text sends a line starting with /)` };
    }
  }
}

function parseCreate(name: string, convType: ConvType, args: string[]): ParseResult {
  const [verb, groupName, members, ...rest] = args;
  if (verb !== 'create' || !groupName || rest.length > 0) return usage(name === 'chatroom' ? 'room' : name);
  return ok({ kind: 'create', convType, name: groupName, members: list(members) });
}

function parseFriend(args: string[]): ParseResult {
  const [verb, user, ...rest] = args;
  if (verb === 'list' && user === undefined) return ok({ kind: 'friendList' });
  if ((verb === 'add' || verb === 'remove') && user && rest.length === 0) {
    return ok({ kind: verb === 'add' ? 'friendAdd' : 'friendRemove', user });
  }
  return { ok: false, error: 'usage: /friend add USER, /friend remove USER, /friend list' };
}

function parseHistory(args: string[]): ParseResult {
  if (args.length === 0) return ok({ kind: 'history', limit: 50 });
  const n = Number(args[0]);
  if (args.length === 1 && Number.isInteger(n) && n >= 1 && n <= 500) return ok({ kind: 'history', limit: n });
  return { ok: false, error: 'usage: /history [N] (N from 1 to 500)' };
}

/** ` (did you mean /dm?)` for a near miss: one edit away, or a prefix. */
function suggest(name: string): string {
  const near = NAMES.find((n) => n.startsWith(name) || editDistance(n, name) <= 1);
  return near === undefined ? '' : ` (did you mean /${near}?)`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}
