import type { ConvType, MsgType } from '../../protocol/codes.js';
import type { Content, ConversationSummary, ServerFrame, StoredMessage } from '../../protocol/frames.js';

/**
 * One message as the chat UI shows it: a stored message (the protocol's `StoredMessage`), or an
 * own send awaiting its SEND_ACK.
 */
export interface ChatMessage extends Omit<StoredMessage, 'seq'> {
  /** The server's msgId; for a pending own send, `pending:<reqId>` until the ack stamps it. */
  msgId: string;
  /** Absent only while pending (and for transient messages, which never enter a timeline). */
  seq?: number;
  /** The user's pts; absent for read-diffusion types (§4) and `sync=false` sends. */
  pts?: number;
  /** `pending`: sent, no ack yet; `failed`: the server answered ERROR; `stored`: has a msgId and seq. */
  status: 'pending' | 'stored' | 'failed';
  /** The SEND's reqId, kept on own sends so the view can correlate. */
  reqId?: string;
  /** Set when `status` is `failed`. */
  error?: { code: number; message: string };
}

/** One conversation in the list. `unread` is always `max(0, maxSeq − readSeq)` (§6.5). */
export interface Conversation extends Omit<ConversationSummary, 'lastMessage'> {
  /** This user's read position; raised by READ_ACK, own READ_NOTIFY and own messages. */
  readSeq: number;
  /** The peer's read position (SINGLE/STRANGER READ_NOTIFY), if known. */
  peerReadSeq: number | null;
  unread: number;
  lastMessage: ChatMessage | null;
  /** sendTime of the newest message seen; orders the list. */
  lastActivity: number;
  /** The last HISTORY_RESP said older messages exist (true until a page says otherwise). */
  hasMoreHistory: boolean;
}

/** Missing pts values `from..to`, inclusive, that a SYNC must fill. */
export interface PtsGap {
  from: number;
  to: number;
}

/** What the status line shows after a SYNC_RESP closed (part of) a gap. */
export interface GapFilled {
  /** The lowest and highest pts of the gap ranges this SYNC closed. */
  from: number;
  to: number;
  /** Messages the SYNC page applied. */
  messages: number;
}

export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'online' }
  | { kind: 'reconnecting'; attempt: number; nextInMs: number }
  | { kind: 'offline'; reason?: string }
  | { kind: 'kicked'; reason: string };

/** One user's (one device's) chat session. Every field is replaced, never mutated, by `reduce`. */
export interface ChatState {
  userId: string;
  conversations: Readonly<Record<string, Conversation>>;
  /** Per convId, stored messages in ascending seq, unique by msgId. */
  timelines: Readonly<Record<string, readonly ChatMessage[]>>;
  /** Own sends awaiting SEND_ACK (or failed), keyed by reqId. */
  pending: Readonly<Record<string, ChatMessage>>;
  /** The highest pts applied. Persist `safePts(state)` instead: it stops before the first gap. */
  pts: number;
  /** Unfilled pts ranges, ascending and disjoint. */
  gaps: readonly PtsGap[];
  /** Set by a SYNC_RESP that closed a gap; cleared by `dismissGapNotice`. */
  gapFilled: GapFilled | null;
  /** sincePts of the SYNC in flight, so its SYNC_RESP knows the pts range it covers. */
  syncSince: number | null;
  connection: ConnectionState;
  rttMs: number | null;
  selected: string | null;
  /** The last ERROR that matched no pending send. */
  lastError: { code: number; message: string } | null;
}

/** A frame the client read from the socket. */
export interface FrameEvent {
  type: 'frame';
  frame: ServerFrame;
}

/** The UI sent a SEND with this reqId; it shows as pending until SEND_ACK or ERROR echoes the reqId. */
export interface SentEvent {
  type: 'sent';
  reqId: string;
  convId: string;
  convType: ConvType;
  to: string;
  msgType: MsgType;
  content: Content;
  /** Local clock at send time; orders the pending entry and the conversation list. */
  sendTime: number;
  clientMsgId?: string;
}

/** The UI sent SYNC from `sincePts`; lets the response say which pts it covers. */
export interface SyncRequestedEvent {
  type: 'syncRequested';
  sincePts: number;
}

/** A /conversation/list result; merged so that counters never go backwards. */
export interface ConversationsEvent {
  type: 'conversations';
  list: readonly ConversationSummary[];
}

export interface ConnectionEvent {
  type: 'connection';
  state: ConnectionState;
}

/** A PING/PONG round trip measured by the caller. */
export interface RttEvent {
  type: 'rtt';
  ms: number;
}

export interface SelectEvent {
  type: 'select';
  convId: string | null;
}

/** The user opened a conversation (`/dm bob`, a group just created): listed even before its first message, and selected. */
export interface OpenEvent {
  type: 'open';
  convId: string;
  convType: ConvType;
  /** Peer userId or groupId. */
  target: string;
  name: string;
  /** Local clock: a new conversation sorts to the top of the list. */
  at: number;
}

/** A SEND never reached the server (the connection closed first); the pending entry shows it failed. */
export interface SendFailedEvent {
  type: 'sendFailed';
  reqId: string;
  message: string;
}

/**
 * A (re)connect's SYNC fetched what arrived while this device was away: the time offline is a
 * gap too, so the status line says it was filled (unless a real pts gap already says so).
 */
export interface CaughtUpEvent {
  type: 'caughtUp';
  from: number;
  to: number;
  messages: number;
}

/** The status line has shown the gap notice. */
export interface DismissGapNoticeEvent {
  type: 'dismissGapNotice';
}

export type ChatEvent =
  | FrameEvent
  | SentEvent
  | SyncRequestedEvent
  | ConversationsEvent
  | ConnectionEvent
  | RttEvent
  | SelectEvent
  | OpenEvent
  | SendFailedEvent
  | CaughtUpEvent
  | DismissGapNoticeEvent;
