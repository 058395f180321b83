import { CmdType, ConvType } from '../../protocol/codes.js';
import { isCmd } from '../../protocol/frames.js';
import type {
  ConversationSummary,
  ErrorFrame,
  HistoryRespFrame,
  PushFrame,
  ReadAckFrame,
  ReadNotifyFrame,
  SendAckFrame,
  ServerFrame,
  SyncRespFrame,
} from '../../protocol/frames.js';
import type { ChatEvent, ChatMessage, ChatState, Conversation, OpenEvent, SentEvent } from './chat-types.js';
import { classifyPts, subtractPoints, subtractRange } from './pts-cursor.js';
import { fromPush, insertBySeq } from './timeline.js';

export type * from './chat-types.js';

/** A fresh session for `userId`, resuming from the pts cursor the state file held (0 if none). */
export function createChatState(userId: string, lastPts = 0): ChatState {
  return {
    userId,
    conversations: {},
    timelines: {},
    pending: {},
    pts: lastPts,
    gaps: [],
    gapFilled: null,
    syncSince: null,
    connection: { kind: 'connecting' },
    rttMs: null,
    selected: null,
    lastError: null,
  };
}

/** The pure reducer: returns a new state (or the same one when the event changes nothing). */
export function reduce(state: ChatState, event: ChatEvent): ChatState {
  switch (event.type) {
    case 'frame':
      return reduceFrame(state, event.frame);
    case 'sent':
      return { ...state, pending: { ...state.pending, [event.reqId]: pendingMessage(state.userId, event) } };
    case 'syncRequested':
      return { ...state, syncSince: event.sincePts };
    case 'conversations':
      return event.list.reduce(mergeSummary, state);
    case 'connection':
      return { ...state, connection: event.state };
    case 'rtt':
      return { ...state, rttMs: event.ms };
    case 'select':
      return { ...state, selected: event.convId };
    case 'open':
      return onOpen(state, event);
    case 'sendFailed': {
      const pending = state.pending[event.reqId];
      if (pending === undefined) return state;
      const failed: ChatMessage = { ...pending, status: 'failed', error: { code: 0, message: event.message } };
      return { ...state, pending: { ...state.pending, [event.reqId]: failed } };
    }
    case 'caughtUp':
      if (event.messages === 0 || state.gapFilled !== null) return state;
      return { ...state, gapFilled: { from: event.from + 1, to: event.to, messages: event.messages } };
    case 'dismissGapNotice':
      return state.gapFilled === null ? state : { ...state, gapFilled: null };
  }
}

function onOpen(state: ChatState, event: OpenEvent): ChatState {
  const existing = state.conversations[event.convId];
  const selected = { ...state, selected: event.convId };
  if (existing !== undefined) return existing.name === event.name ? selected : putConversation(selected, { ...existing, name: event.name });
  return putConversation(selected, { ...emptyConversation(event.convId, event.convType, event.target, event.name), lastActivity: event.at });
}

function reduceFrame(state: ChatState, frame: ServerFrame): ChatState {
  if (isCmd(frame, CmdType.PUSH)) return onPush(state, frame);
  if (isCmd(frame, CmdType.SEND_ACK)) return onSendAck(state, frame);
  if (isCmd(frame, CmdType.SYNC_RESP)) return onSyncResp(state, frame);
  if (isCmd(frame, CmdType.HISTORY_RESP)) return onHistoryResp(state, frame);
  if (isCmd(frame, CmdType.READ_ACK)) return onReadAck(state, frame);
  if (isCmd(frame, CmdType.READ_NOTIFY)) return onReadNotify(state, frame);
  if (isCmd(frame, CmdType.KICK)) return { ...state, connection: { kind: 'kicked', reason: frame.content.reason } };
  if (isCmd(frame, CmdType.ERROR)) return onError(state, frame);
  return state; // PONG: RTT is measured by the caller and arrives as an `rtt` event.
}

/** Advances the cursor for a pts-bearing frame; `null` means a duplicate to ignore. */
function advancePts(state: ChatState, pts: number | undefined): ChatState | null {
  if (pts === undefined) return state; // read diffusion, transient, sync=false (§3, §4)
  const verdict = classifyPts(state.pts, pts);
  if (verdict === 'duplicate') return null;
  const gaps = verdict === 'gap' ? [...state.gaps, { from: state.pts + 1, to: pts - 1 }] : state.gaps;
  return { ...state, pts, gaps };
}

function onPush(state: ChatState, frame: PushFrame): ChatState {
  const next = advancePts(state, frame.stamp.pts);
  if (next === null) return state;
  return frame.stamp.seq === undefined ? next : storeMessage(next, fromPush(frame));
}

function onSendAck(state: ChatState, frame: SendAckFrame): ChatState {
  const reqId = frame.header.reqId;
  const pending = reqId === undefined ? undefined : state.pending[reqId];
  const next = advancePts(state, frame.stamp.pts) ?? state;
  if (reqId === undefined || pending === undefined) return next;
  const { [reqId]: _acked, ...rest } = next.pending;
  const withoutPending = { ...next, pending: rest };
  if (frame.stamp.seq === undefined) return withoutPending; // transient: acked, never stored
  const stored: ChatMessage = {
    ...pending,
    msgId: frame.stamp.msgId,
    convId: frame.stamp.convId,
    seq: frame.stamp.seq,
    sendTime: frame.stamp.sendTime,
    status: 'stored',
  };
  if (frame.stamp.pts !== undefined) stored.pts = frame.stamp.pts;
  return storeMessage(withoutPending, stored);
}

function onSyncResp(state: ChatState, frame: SyncRespFrame): ChatState {
  const { messages, maxPts, hasMore } = frame.content;
  const carried = messages.flatMap((m) => (m.stamp.pts === undefined ? [] : [m.stamp.pts]));
  const lastPts = carried.length > 0 ? Math.max(...carried) : state.syncSince ?? state.pts;
  const coveredTo = hasMore ? lastPts : Math.max(lastPts, maxPts);
  // SYNC returns every pts after sincePts exactly once (§6.3), so the page covers sincePts+1..coveredTo.
  const covered =
    state.syncSince === null ? subtractPoints(state.gaps, carried) : subtractRange(state.gaps, state.syncSince + 1, coveredTo);
  let next: ChatState = {
    ...state,
    pts: Math.max(state.pts, coveredTo),
    gaps: covered.rest,
    syncSince: hasMore ? coveredTo : null,
  };
  for (const m of messages) if (m.stamp.seq !== undefined) next = storeMessage(next, fromPush(m));
  if (covered.removed.length === 0) return next;
  const from = Math.min(...covered.removed.map((g) => g.from));
  const to = Math.max(...covered.removed.map((g) => g.to));
  const prior = state.gapFilled;
  const gapFilled = prior === null
    ? { from, to, messages: messages.length }
    : { from: Math.min(prior.from, from), to: Math.max(prior.to, to), messages: prior.messages + messages.length };
  return { ...next, gapFilled };
}

function onHistoryResp(state: ChatState, frame: HistoryRespFrame): ChatState {
  const page = frame.content.messages.filter((m) => m.stamp.seq !== undefined).map(fromPush);
  let next = page.reduce(storeMessage, state);
  const convId = page[0]?.convId;
  const conv = convId === undefined ? undefined : next.conversations[convId];
  if (conv !== undefined) next = putConversation(next, { ...conv, hasMoreHistory: frame.content.hasMore });
  return next;
}

function onReadAck(state: ChatState, frame: ReadAckFrame): ChatState {
  const conv = state.conversations[frame.content.convId];
  if (conv === undefined) return state;
  return putConversation(state, withCounts(conv, conv.maxSeq, Math.max(conv.readSeq, frame.content.readSeq)));
}

function onReadNotify(state: ChatState, frame: ReadNotifyFrame): ChatState {
  const { convId, userId, readSeq } = frame.content;
  const conv = state.conversations[convId];
  if (conv === undefined) return state;
  if (userId === state.userId) return putConversation(state, withCounts(conv, conv.maxSeq, Math.max(conv.readSeq, readSeq)));
  return putConversation(state, { ...conv, peerReadSeq: Math.max(conv.peerReadSeq ?? 0, readSeq) });
}

function onError(state: ChatState, frame: ErrorFrame): ChatState {
  const error = { code: frame.content.code, message: frame.content.message };
  const reqId = frame.header.reqId;
  const pending = reqId === undefined ? undefined : state.pending[reqId];
  if (reqId === undefined || pending === undefined) return { ...state, lastError: error };
  return { ...state, pending: { ...state.pending, [reqId]: { ...pending, status: 'failed', error } } };
}

/** Adds a stored message to its timeline and conversation; a known msgId changes nothing. */
function storeMessage(state: ChatState, message: ChatMessage): ChatState {
  const timeline = state.timelines[message.convId] ?? [];
  const merged = insertBySeq(timeline, message);
  if (merged === timeline) return state;
  const conv = state.conversations[message.convId] ?? newConversation(state.userId, message);
  const seq = message.seq ?? 0;
  // Sending marks the conversation read up to your own message (§6.5).
  const readSeq = message.from === state.userId ? Math.max(conv.readSeq, seq) : conv.readSeq;
  const isLatest = conv.lastMessage === null || (conv.lastMessage.seq ?? 0) <= seq;
  const updated: Conversation = {
    ...withCounts(conv, Math.max(conv.maxSeq, seq), readSeq),
    lastMessage: isLatest ? message : conv.lastMessage,
    lastActivity: Math.max(conv.lastActivity, message.sendTime),
  };
  return { ...putConversation(state, updated), timelines: { ...state.timelines, [message.convId]: merged } };
}

function mergeSummary(state: ChatState, summary: ConversationSummary): ChatState {
  const existing = state.conversations[summary.convId];
  const last = summary.lastMessage === null ? null : fromPush(summary.lastMessage);
  const keepOwnLast = existing?.lastMessage != null && (existing.lastMessage.seq ?? 0) >= (last?.seq ?? 0);
  const base: Conversation = {
    ...emptyConversation(summary.convId, summary.convType, summary.target, summary.name),
    peerReadSeq: existing?.peerReadSeq ?? null,
    lastMessage: keepOwnLast ? existing?.lastMessage ?? null : last,
    lastActivity: Math.max(existing?.lastActivity ?? 0, last?.sendTime ?? 0),
    hasMoreHistory: existing?.hasMoreHistory ?? true,
  };
  const maxSeq = Math.max(existing?.maxSeq ?? 0, summary.maxSeq);
  return putConversation(state, withCounts(base, maxSeq, Math.max(existing?.readSeq ?? 0, summary.readSeq)));
}

function withCounts(conv: Conversation, maxSeq: number, readSeq: number): Conversation {
  return { ...conv, maxSeq, readSeq, unread: Math.max(0, maxSeq - readSeq) };
}

function putConversation(state: ChatState, conv: Conversation): ChatState {
  return { ...state, conversations: { ...state.conversations, [conv.convId]: conv } };
}

/** A conversation with no message seen yet. */
function emptyConversation(convId: string, convType: ConvType, target: string, name: string): Conversation {
  return {
    convId,
    convType,
    target,
    name,
    maxSeq: 0,
    readSeq: 0,
    peerReadSeq: null,
    unread: 0,
    lastMessage: null,
    lastActivity: 0,
    hasMoreHistory: true,
  };
}

/** The conversation a message from an unlisted conversation belongs to, named after its peer or group. */
function newConversation(userId: string, m: ChatMessage): Conversation {
  const peerTyped = m.convType === ConvType.SINGLE || m.convType === ConvType.STRANGER_CHAT;
  const target = peerTyped && m.to === userId ? m.from : m.to;
  return emptyConversation(m.convId, m.convType, target, target);
}

function pendingMessage(userId: string, e: SentEvent): ChatMessage {
  const message: ChatMessage = {
    msgId: `pending:${e.reqId}`,
    convId: e.convId,
    convType: e.convType,
    msgType: e.msgType,
    from: userId,
    to: e.to,
    sendTime: e.sendTime,
    content: e.content,
    status: 'pending',
    reqId: e.reqId,
  };
  if (e.clientMsgId !== undefined) message.clientMsgId = e.clientMsgId;
  return message;
}
