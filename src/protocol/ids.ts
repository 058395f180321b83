import { ConvType } from './codes.js';

/** userId and groupId: 1–64 chars of [A-Za-z0-9_.-] (PROTOCOL.md §1). */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const isValidId = (s: unknown): s is string => typeof s === 'string' && ID_PATTERN.test(s);

/** The reserved sender of `/system/send` messages; nobody can register it. */
export const SYSTEM_USER = 'system';

const GROUP_PREFIX: Partial<Record<ConvType, string>> = {
  [ConvType.GROUP]: 'group',
  [ConvType.CHATROOM]: 'chatroom',
  [ConvType.CHANNEL]: 'channel',
  [ConvType.MILLION_GROUP]: 'mgroup',
  [ConvType.CUSTOM_CONVERSATION]: 'custom',
};

const PREFIX_TYPE: ReadonlyMap<string, ConvType> = new Map([
  ['single', ConvType.SINGLE],
  ['stranger', ConvType.STRANGER_CHAT],
  ['group', ConvType.GROUP],
  ['chatroom', ConvType.CHATROOM],
  ['channel', ConvType.CHANNEL],
  ['mgroup', ConvType.MILLION_GROUP],
  ['system', ConvType.SYSTEM_CONVERSATION],
  ['custom', ConvType.CUSTOM_CONVERSATION],
]);

/** convId of a one-to-one conversation: the two userIds sorted, so both sides derive the same id. */
export function pairConvId(type: typeof ConvType.SINGLE | typeof ConvType.STRANGER_CHAT, a: string, b: string): string {
  const [x, y] = a < b ? [a, b] : [b, a];
  return `${type === ConvType.SINGLE ? 'single' : 'stranger'}:${x}:${y}`;
}

export function groupConvId(type: ConvType, groupId: string): string {
  const prefix = GROUP_PREFIX[type];
  if (!prefix) throw new Error(`conversation type ${type} is not group-backed`);
  return `${prefix}:${groupId}`;
}

export const systemConvId = (userId: string): string => `system:${userId}`;

/**
 * The conversation a message addressed to `to` belongs to, from `from`'s point of view.
 * `to` is the peer userId for SINGLE/STRANGER, the groupId for group types, and the receiving
 * userId for SYSTEM.
 */
export function convIdFor(type: ConvType, from: string, to: string): string {
  switch (type) {
    case ConvType.SINGLE:
    case ConvType.STRANGER_CHAT:
      return pairConvId(type, from, to);
    case ConvType.SYSTEM_CONVERSATION:
      return systemConvId(to);
    default:
      return groupConvId(type, to);
  }
}

export interface ParsedConvId {
  type: ConvType;
  /** The two userIds for SINGLE/STRANGER, the groupId for group types, the userId for SYSTEM. */
  parts: readonly string[];
}

/** Parses a convId; undefined when it is not one this protocol can produce. */
export function parseConvId(convId: unknown): ParsedConvId | undefined {
  if (typeof convId !== 'string' || convId.length > 200) return undefined;
  const [prefix, ...parts] = convId.split(':');
  const type = prefix === undefined ? undefined : PREFIX_TYPE.get(prefix);
  if (type === undefined || !parts.every(isValidId)) return undefined;
  const pair = type === ConvType.SINGLE || type === ConvType.STRANGER_CHAT;
  if (pair) {
    const [a, b] = parts;
    if (parts.length !== 2 || a === undefined || b === undefined || !(a < b)) return undefined;
  } else if (parts.length !== 1) {
    return undefined;
  }
  return { type, parts };
}
