/**
 * The numeric tables of the wire contract (PROTOCOL.md §3–§5). Everything that speaks the
 * protocol — server, client, scenario runner, chat UI — imports these; nobody redeclares them.
 */

export const PROTOCOL_VERSION = 1;

export const CmdType = {
  PING: 1,
  PONG: 2,
  SEND: 10,
  SEND_ACK: 11,
  PUSH: 20,
  PUSH_ACK: 21,
  SYNC: 30,
  SYNC_RESP: 31,
  READ: 40,
  READ_ACK: 41,
  READ_NOTIFY: 42,
  HISTORY: 50,
  HISTORY_RESP: 51,
  KICK: 90,
  ERROR: 99,
} as const;
export type CmdType = (typeof CmdType)[keyof typeof CmdType];
export type CmdName = keyof typeof CmdType;

/** Commands a client may send; anything else is UNKNOWN_CMD (1001). */
export const CLIENT_CMDS: ReadonlySet<number> = new Set([
  CmdType.PING,
  CmdType.SEND,
  CmdType.PUSH_ACK,
  CmdType.SYNC,
  CmdType.READ,
  CmdType.HISTORY,
]);

export const MsgType = {
  TEXT: 1,
  IMAGE: 2,
  FILE: 3,
  AUDIO: 4,
  VIDEO: 5,
  LOCATION: 6,
  CUSTOM: 7,
  TYPING: 20,
  SYSTEM: 100,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];
export type MsgTypeName = keyof typeof MsgType;

export const ConvType = {
  SINGLE: 1,
  GROUP: 2,
  CHATROOM: 3,
  CHANNEL: 4,
  MILLION_GROUP: 5,
  SYSTEM_CONVERSATION: 6,
  CUSTOM_CONVERSATION: 7,
  STRANGER_CHAT: 8,
} as const;
export type ConvType = (typeof ConvType)[keyof typeof ConvType];
export type ConvTypeName = keyof typeof ConvType;

/** Group-backed conversation types, the ones `/group/create` accepts. */
export const GROUP_CONV_TYPES: readonly ConvType[] = [
  ConvType.GROUP,
  ConvType.CHATROOM,
  ConvType.CHANNEL,
  ConvType.MILLION_GROUP,
  ConvType.CUSTOM_CONVERSATION,
];

/**
 * Read-diffusion types (§4): one message row, no inbox rows, no pts; members catch up by HISTORY.
 */
export const READ_DIFFUSION_TYPES: ReadonlySet<ConvType> = new Set([
  ConvType.CHATROOM,
  ConvType.CHANNEL,
  ConvType.MILLION_GROUP,
]);

export const ErrorCode = {
  BAD_FRAME: 1000,
  UNKNOWN_CMD: 1001,
  CONTENT_TOO_LARGE: 1002,
  RATE_LIMITED: 1003,
  UNSUPPORTED_VERSION: 1004,
  TOKEN_INVALID: 2001,
  TOKEN_EXPIRED: 2002,
  BAD_CREDENTIALS: 2003,
  USER_EXISTS: 2004,
  FORBIDDEN: 2005,
  NOT_FRIENDS: 3001,
  BLOCKED: 3002,
  NOT_MEMBER: 3003,
  MUTED: 3004,
  NOT_IN_CHATROOM: 3005,
  CHANNEL_READ_ONLY: 3006,
  SYSTEM_READ_ONLY: 3007,
  CONVERSATION_NOT_FOUND: 3008,
  USER_NOT_FOUND: 3009,
  STRANGERS_NOT_ALLOWED: 3010,
  POLICY_REJECTED: 3011,
  GROUP_EXISTS: 3012,
  INTERNAL: 5000,
  UNAVAILABLE: 5001,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export type ErrorName = keyof typeof ErrorCode;

/** HTTP status of each error code (PROTOCOL.md §5). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  1000: 400,
  1001: 400,
  1002: 413,
  1003: 429,
  1004: 400,
  2001: 401,
  2002: 401,
  2003: 401,
  2004: 409,
  2005: 403,
  3001: 403,
  3002: 403,
  3003: 403,
  3004: 403,
  3005: 403,
  3006: 403,
  3007: 403,
  3008: 404,
  3009: 404,
  3010: 403,
  3011: 403,
  3012: 409,
  5000: 500,
  5001: 503,
};

export const CloseCode = {
  /** Server shutting down (RFC 6455). */
  GOING_AWAY: 1001,
  /** Frame over the hard size limit (RFC 6455 "message too big"). */
  TOO_BIG: 1009,
  /** The client cannot keep up with its pushes; it should reconnect and SYNC. */
  TRY_AGAIN_LATER: 1013,
  IDLE: 4000,
  KICKED: 4001,
  /** The token expired, or was revoked (logout, password change): log in again. */
  TOKEN_EXPIRED: 4003,
  /** The user already has the most devices connected that the server allows. */
  TOO_MANY_DEVICES: 4004,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

function invert<T extends Record<string, number>>(table: T): ReadonlyMap<number, keyof T & string> {
  return new Map(Object.entries(table).map(([name, code]) => [code, name as keyof T & string]));
}

const cmdNames = invert(CmdType);
const msgTypeNames = invert(MsgType);
const convTypeNames = invert(ConvType);
const errorNames = invert(ErrorCode);

export const cmdName = (code: number): string => cmdNames.get(code) ?? `CMD_${code}`;
export const msgTypeName = (code: number): string => msgTypeNames.get(code) ?? `MSG_${code}`;
export const convTypeName = (code: number): string => convTypeNames.get(code) ?? `CONV_${code}`;
export const errorName = (code: number): string => errorNames.get(code) ?? `ERROR_${code}`;

export const isCmdType = (n: unknown): n is CmdType => typeof n === 'number' && cmdNames.has(n);
export const isConvType = (n: unknown): n is ConvType => typeof n === 'number' && convTypeNames.has(n);
export const isMsgType = (n: unknown): n is MsgType => typeof n === 'number' && msgTypeNames.has(n);
export const isErrorCode = (n: unknown): n is ErrorCode => typeof n === 'number' && errorNames.has(n);
