import { CmdType, ConvType, ErrorCode, GROUP_CONV_TYPES } from '../../protocol/codes.js';
import { isCmd } from '../../protocol/frames.js';
import { isValidId } from '../../protocol/ids.js';
import { RESERVED_USER_NAMES } from '../../runner/surface.js';
import { isJson, type Json, type RecordedEvent, type RecorderOptions } from './recording-types.js';
import { convLabel, REPLY_CMDS, splitConvId, GROUP_PREFIXES } from './wire-names.js';

/**
 * A first pass over the session: who took part, on which devices, and what the world must look
 * like before the first step for the replay to take the same turns — friendships and groups that
 * existed before the session are not in the events, but the events prove them.
 */
export interface SessionSurvey {
  /** For each out request (event index), the index of its reply. */
  replies: ReadonlyMap<number, number>;
  /** Users that chatted, in the order given, with the devices they used (first seen first). */
  devices: ReadonlyMap<string, readonly string[]>;
  /** Users the session only referred to (a peer, a member added over HTTP): declared, not connected. */
  extraUsers: readonly string[];
  friends: [string, string][];
  /** Groups the session used without creating them: recreated in `setup.groups`. */
  groups: Json[];
}

const PEER_TYPES: ReadonlySet<number> = new Set([ConvType.SINGLE, ConvType.STRANGER_CHAT, ConvType.SYSTEM_CONVERSATION]);
const ADMIN_PATHS: ReadonlySet<string> = new Set(['/group/add-members', '/group/remove-members', '/group/mute', '/group/set-role']);

export const isGroupType = (n: unknown): boolean => GROUP_CONV_TYPES.includes(n as ConvType);
const pairKey = (a: string, b: string): string => (a < b ? `${a}\n${b}` : `${b}\n${a}`);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** Replies are matched to requests by reqId on the same user's device. */
export function correlate(events: readonly RecordedEvent[]): Map<number, number> {
  const open = new Map<string, number>();
  const replies = new Map<number, number>();
  events.forEach((e, i) => {
    if (e.kind !== 'wire') return;
    const { frame, direction } = e.event;
    const reqId = frame.header.reqId;
    if (typeof reqId !== 'string') return;
    const key = `${e.user}\n${e.device}\n${reqId}`;
    if (direction === 'out') open.set(key, i);
    else if (REPLY_CMDS.has(frame.header.cmd)) {
      const out = open.get(key);
      if (out === undefined) return;
      replies.set(out, i);
      open.delete(key);
    }
  });
  return replies;
}

/** Pre-existing groups: who demonstrably was a member, and who must be owner or admin. */
class GroupEvidence {
  readonly #types = new Map<string, string>();
  readonly #members = new Map<string, string[]>();
  readonly #joined = new Map<string, Set<string>>();
  readonly #admins = new Map<string, string[]>();

  constructor(readonly created: ReadonlySet<string>) {}

  #push(map: Map<string, string[]>, id: string, user: string): void {
    const list = map.get(id) ?? [];
    if (!list.includes(user)) list.push(user);
    map.set(id, list);
  }

  #known(id: unknown, type: unknown): id is string {
    if (typeof id !== 'string' || !isValidId(id) || this.created.has(id)) return false;
    const label = typeof type === 'string' ? type : convLabel(type);
    if (typeof label === 'string' && GROUP_PREFIXES.has(label)) this.#types.set(id, label);
    else if (!this.#types.has(id)) this.#types.set(id, 'group');
    return true;
  }

  member(id: unknown, type: unknown, user: string): void {
    if (this.#known(id, type)) this.#push(this.#members, id, user);
  }

  admin(id: unknown, user: string): void {
    if (this.#known(id, undefined)) this.#push(this.#admins, id, user);
  }

  joined(id: unknown, type: unknown, users: readonly string[]): void {
    if (!this.#known(id, type)) return;
    const set = this.#joined.get(id) ?? new Set();
    for (const u of users) set.add(u);
    this.#joined.set(id, set);
  }

  setup(fallbackOwner: string): Json[] {
    return [...this.#types].map(([id, type]) => {
      const joined = this.#joined.get(id) ?? new Set<string>();
      const admins = this.#admins.get(id) ?? [];
      const members = [...(this.#members.get(id) ?? []), ...admins].filter((u) => !joined.has(u));
      const owner = admins[0] ?? members[0] ?? fallbackOwner;
      const otherAdmins = admins.filter((u) => u !== owner && !joined.has(u));
      const rest = [...new Set(members)].filter((u) => u !== owner && !otherAdmins.includes(u));
      return { id, type, owner, ...(rest.length > 0 ? { members: rest } : {}), ...(otherAdmins.length > 0 ? { admins: otherAdmins } : {}) };
    });
  }
}

export function surveySession(events: readonly RecordedEvent[], options: RecorderOptions): SessionSurvey {
  const replies = correlate(events);
  const devices = new Map<string, string[]>(options.users.map((u) => [u, []]));
  const created = new Set<string>();
  for (const e of events) {
    if (e.kind === 'wire') {
      const list = devices.get(e.user) ?? [];
      if (!list.includes(e.device)) list.push(e.device);
      devices.set(e.user, list);
    } else if (e.event.path === '/group/create' && isJson(e.event.data) && typeof e.event.data.groupId === 'string') {
      created.add(e.event.data.groupId);
    }
  }
  const extras: string[] = [];
  const mention = (...users: string[]) => {
    for (const u of users) if (isValidId(u) && !RESERVED_USER_NAMES.has(u) && !devices.has(u) && !extras.includes(u)) extras.push(u);
  };
  const groups = new GroupEvidence(created);
  const sent = new Map<string, [string, string]>();
  const settled = new Set<string>();
  const replyTo = (i: number) => {
    const r = replies.get(i);
    const reply = r === undefined ? undefined : events[r];
    return reply?.kind === 'wire' ? reply.event.frame : undefined;
  };
  events.forEach((e, i) => {
    if (e.kind === 'http') {
      surveyHttp(e.user, e.event.path, isJson(e.event.body) ? e.event.body : {}, e.event.data, { mention, groups, settled });
      return;
    }
    const { frame, direction } = e.event;
    const cmd = frame.header.cmd;
    const reply = direction === 'out' ? replyTo(i) : undefined;
    const refused = reply?.header.cmd === CmdType.ERROR ? (reply.content as { code?: unknown }).code : undefined;
    const ok = reply !== undefined && refused === undefined;
    if (direction === 'out' && cmd === CmdType.SEND) {
      const route = isJson(frame.route) ? frame.route : {};
      const to = typeof route.to === 'string' ? route.to : '';
      if (PEER_TYPES.has(route.convType as number) && refused !== ErrorCode.USER_NOT_FOUND) mention(to);
      if (route.convType === ConvType.SINGLE && ok) sent.set(pairKey(e.user, to), [e.user, to]);
      if (route.convType === ConvType.SINGLE && refused === ErrorCode.NOT_FRIENDS) settled.add(pairKey(e.user, to));
      if (isGroupType(route.convType) && ok) groups.member(to, route.convType, e.user);
    } else if (direction === 'out' && (cmd === CmdType.READ || cmd === CmdType.HISTORY) && ok) {
      const conv = splitConvId((frame.content as { convId?: unknown }).convId);
      if (conv && GROUP_PREFIXES.has(conv.type)) groups.member(conv.parts[0], conv.type, e.user);
    } else if (direction === 'in' && isCmd(frame, CmdType.PUSH) && isGroupType(frame.route.convType)) {
      groups.member(frame.route.to, frame.route.convType, e.user);
    }
  });
  const declared = (u: string) => devices.has(u) || extras.includes(u);
  const friends = options.friends.filter(([a, b]) => declared(a) && declared(b)).map(([a, b]): [string, string] => [a, b]);
  for (const [a, b] of friends) settled.add(pairKey(a, b));
  // A message between two users went through, so they were friends before the session.
  for (const [key, pair] of sent) if (!settled.has(key) && declared(pair[1])) friends.push(pair);
  const sessionUsers = [...devices.keys()];
  return { replies, devices, extraUsers: extras, friends, groups: groups.setup(sessionUsers[0] ?? '') };
}

interface HttpSurvey {
  mention: (...users: string[]) => void;
  groups: GroupEvidence;
  /** Pairs whose friendship the session itself changes: nothing may be assumed about them. */
  settled: Set<string>;
}

function surveyHttp(user: string, path: string, body: Json, data: unknown, s: HttpSurvey): void {
  const targets = [...strings(body.userId), ...strings(body.members)];
  s.mention(...targets);
  if (path.startsWith('/friend/') || path === '/user/block' || path === '/user/unblock') {
    for (const t of strings(body.userId)) s.settled.add(pairKey(user, t));
  }
  const groupId = body.groupId;
  const joinedType = isJson(data) ? splitConvId(data.convId)?.type : undefined;
  if (path === '/group/join') s.groups.joined(groupId, joinedType, [user]);
  if (path === '/group/add-members') s.groups.joined(groupId, undefined, strings(body.members));
  if (path === '/group/leave') s.groups.member(groupId, undefined, user);
  if (path === '/group/remove-members' || path === '/group/mute' || path === '/group/set-role') {
    for (const t of targets) s.groups.member(groupId, undefined, t);
  }
  if (ADMIN_PATHS.has(path)) s.groups.admin(groupId, user);
}

/**
 * Scenario device names per user: the recorded deviceIds made valid and unique. A user with one
 * device keeps the runner's `default`, so steps can name the bare user.
 */
export function deviceNames(devices: ReadonlyMap<string, readonly string[]>): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  for (const [user, list] of devices) {
    const names = new Map<string, string>();
    for (const device of list) {
      const base = device.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60) || 'device';
      let name = base;
      for (let n = 2; [...names.values()].includes(name); n++) name = `${base}${n}`;
      names.set(device, name);
    }
    result.set(user, names);
  }
  return result;
}
