import { CmdType, errorName, isConvType, isErrorCode, isMsgType, msgTypeName } from '../../protocol/codes.js';

/** The scenario names of conversation types (docs/scenarios.md), which differ from the protocol's. */
const CONV_LABELS: Readonly<Record<number, string>> = {
  1: 'single',
  2: 'group',
  3: 'chatroom',
  4: 'channel',
  5: 'mgroup',
  6: 'system',
  7: 'custom',
  8: 'stranger',
};

// An unknown code stays a number: a made-up name would hide what was on the wire.
export const convLabel = (n: unknown): unknown => (isConvType(n) ? CONV_LABELS[n] : n);
export const msgLabel = (n: unknown): unknown => (isMsgType(n) ? msgTypeName(n).toLowerCase() : n);
export const errorLabel = (n: unknown): unknown => (isErrorCode(n) ? errorName(n) : n);

export const GROUP_PREFIXES: ReadonlySet<string> = new Set(['group', 'chatroom', 'channel', 'mgroup', 'custom']);

/** The labels are also the convId prefixes (PROTOCOL.md §1). */
const LABELS: ReadonlySet<string> = new Set(Object.values(CONV_LABELS));

/** `group:team` → `{ type: 'group', parts: ['team'] }`; anything else → undefined. */
export function splitConvId(convId: unknown): { type: string; parts: string[] } | undefined {
  if (typeof convId !== 'string') return undefined;
  const [type, ...parts] = convId.split(':');
  if (type === undefined || parts.length === 0 || !LABELS.has(type)) return undefined;
  return { type, parts };
}

export const REPLY_CMDS: ReadonlySet<number> = new Set([
  CmdType.PONG,
  CmdType.SEND_ACK,
  CmdType.SYNC_RESP,
  CmdType.READ_ACK,
  CmdType.HISTORY_RESP,
  CmdType.ERROR,
]);
