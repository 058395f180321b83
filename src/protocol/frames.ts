import type { CmdType, ConvType, ErrorCode, MsgType } from './codes.js';

/**
 * The frame of PROTOCOL.md §3 (the seed's WebSocketMessage), as discriminated unions on
 * `header.cmd`. Client frames are what `decode()` yields after validation; server frames are
 * what the server writes and clients read.
 */

export interface Header<C extends CmdType = CmdType> {
  version: number;
  cmd: C;
  /** The client's correlation id; every reply to a request echoes it. */
  reqId?: string;
  deviceId?: string;
  platform?: string;
  ts?: number;
}

export interface Route {
  convType: ConvType;
  msgType: MsgType;
  /** Always the authenticated sender: the server overwrites whatever a client puts here. */
  from: string;
  /** Peer userId (SINGLE, STRANGER), groupId (group types) or receiving userId (SYSTEM). */
  to: string;
}

export interface Control {
  /** false: a transient message — acked with a msgId, never stored, pushed to online devices only. */
  persist?: boolean;
  /** false: no inbox row for the sender and no copy to the sender's other devices. */
  sync?: boolean;
  /** 1–64 chars, unique per sender; a retry with the same id returns the first stamp. */
  clientMsgId?: string;
}

/** Written by the server only. */
export interface Stamp {
  msgId: string;
  convId: string;
  /** Absent for transient messages. */
  seq?: number;
  /** The receiving user's pts; absent for read-diffusion types, transient messages and `sync=false` acks. */
  pts?: number;
  sendTime: number;
}

export type Content = Record<string, unknown>;

// ---- client → server ---------------------------------------------------------------------

export interface PingFrame {
  header: Header<typeof CmdType.PING>;
  content: Record<string, never>;
}

export interface SendFrame {
  header: Header<typeof CmdType.SEND>;
  /** `from` may be absent or anything: it is replaced by the authenticated user. */
  route: Omit<Route, 'from'> & { from?: string };
  content: Content;
  control: Control;
  options: Record<string, unknown>;
}

export interface PushAckFrame {
  header: Header<typeof CmdType.PUSH_ACK>;
  content: { pts: number };
}

export interface SyncFrame {
  header: Header<typeof CmdType.SYNC>;
  content: { sincePts: number; limit?: number };
}

export interface ReadFrame {
  header: Header<typeof CmdType.READ>;
  content: { convId: string; seq: number };
}

export interface HistoryFrame {
  header: Header<typeof CmdType.HISTORY>;
  content: { convId: string; afterSeq?: number; beforeSeq?: number; limit?: number };
}

export type ClientFrame = PingFrame | SendFrame | PushAckFrame | SyncFrame | ReadFrame | HistoryFrame;

// ---- server → client ---------------------------------------------------------------------

export interface PongFrame {
  header: Header<typeof CmdType.PONG>;
  content: Record<string, never>;
}

export interface SendAckFrame {
  header: Header<typeof CmdType.SEND_ACK>;
  content: Record<string, never>;
  stamp: Stamp;
}

/** A stored (or transient) message as a recipient sees it; also the element of SYNC/HISTORY pages. */
export interface PushFrame {
  header: Header<typeof CmdType.PUSH>;
  route: Route;
  content: Content;
  control: Control;
  options: Record<string, unknown>;
  stamp: Stamp;
}

export interface SyncRespFrame {
  header: Header<typeof CmdType.SYNC_RESP>;
  content: { messages: PushFrame[]; maxPts: number; hasMore: boolean };
}

export interface ReadAckFrame {
  header: Header<typeof CmdType.READ_ACK>;
  content: { convId: string; readSeq: number; unread: number };
}

export interface ReadNotifyFrame {
  header: Header<typeof CmdType.READ_NOTIFY>;
  content: { convId: string; userId: string; readSeq: number };
}

export interface HistoryRespFrame {
  header: Header<typeof CmdType.HISTORY_RESP>;
  content: { messages: PushFrame[]; hasMore: boolean };
}

export interface KickFrame {
  header: Header<typeof CmdType.KICK>;
  content: { reason: string };
}

export interface ErrorFrame {
  header: Header<typeof CmdType.ERROR>;
  content: { code: ErrorCode; message: string; retryAfterMs?: number };
}

export type ServerFrame =
  | PongFrame
  | SendAckFrame
  | PushFrame
  | SyncRespFrame
  | ReadAckFrame
  | ReadNotifyFrame
  | HistoryRespFrame
  | KickFrame
  | ErrorFrame;

/** A message as the store keeps it and every reader (SYNC, HISTORY, PUSH) renders it. */
export interface StoredMessage {
  msgId: string;
  convId: string;
  convType: ConvType;
  msgType: MsgType;
  from: string;
  to: string;
  seq: number;
  sendTime: number;
  content: Content;
  clientMsgId?: string;
}

// ---- HTTP (§2) ---------------------------------------------------------------------------

export interface HttpEnvelope<T = unknown> {
  code: number;
  msg: string;
  data?: T;
  /** RATE_LIMITED (1003) only: how long to wait before retrying (also the Retry-After header). */
  retryAfterMs?: number;
}

export interface LoginResult {
  userId: string;
  token: string;
  expiresAt: number;
}

export interface ConversationSummary {
  convId: string;
  convType: ConvType;
  /** The peer (SINGLE, STRANGER), the groupId (group types) or the user (SYSTEM). */
  target: string;
  name: string;
  maxSeq: number;
  readSeq: number;
  unread: number;
  lastMessage: PushFrame | null;
}

export type GroupRole = 'owner' | 'admin' | 'member';
export type GroupPolicy = 'members' | 'open' | 'owner';

export interface GroupInfo {
  groupId: string;
  convId: string;
  type: ConvType;
  name: string;
  owner: string;
  policy?: GroupPolicy;
  memberCount: number;
}

export interface GroupMember {
  userId: string;
  role: GroupRole;
  muted: boolean;
}

export interface FriendList {
  friends: string[];
  pendingIn: string[];
  pendingOut: string[];
}

/** Narrows a frame union by `header.cmd` (TypeScript does not narrow on a nested discriminant). */
export function isCmd<F extends { header: { cmd: number } }, C extends F['header']['cmd']>(
  frame: F,
  cmd: C,
): frame is Extract<F, { header: { cmd: C } }> {
  return frame.header.cmd === cmd;
}
