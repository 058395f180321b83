import type { PushFrame } from '../../protocol/frames.js';
import type { ChatMessage } from './chat-types.js';

/** A PUSH-shaped frame (PUSH, or an element of a SYNC/HISTORY page) as a stored chat message. */
export function fromPush(frame: PushFrame): ChatMessage {
  const { stamp, route } = frame;
  const message: ChatMessage = {
    msgId: stamp.msgId,
    convId: stamp.convId,
    convType: route.convType,
    msgType: route.msgType,
    from: route.from,
    to: route.to,
    sendTime: stamp.sendTime,
    content: frame.content,
    status: 'stored',
  };
  if (stamp.seq !== undefined) message.seq = stamp.seq;
  if (stamp.pts !== undefined) message.pts = stamp.pts;
  if (frame.control.clientMsgId !== undefined) message.clientMsgId = frame.control.clientMsgId;
  return message;
}

/**
 * Inserts a message keeping ascending seq; returns the same array when its msgId is already there
 * (a PUSH that overlaps a SYNC_RESP, §3), so callers can detect a no-op by identity. The one
 * exception: a copy that carries a pts the stored one lacks (HISTORY frames never carry pts, so a
 * page that beat the SYNC_RESP to the socket stored the message without it) lends it its pts.
 */
export function insertBySeq(timeline: readonly ChatMessage[], message: ChatMessage): readonly ChatMessage[] {
  const known = timeline.findIndex((m) => m.msgId === message.msgId);
  if (known >= 0) {
    const existing = timeline[known];
    if (existing === undefined || existing.pts !== undefined || message.pts === undefined) return timeline;
    return timeline.with(known, { ...existing, pts: message.pts });
  }
  const seq = message.seq ?? Number.POSITIVE_INFINITY;
  let at = timeline.length;
  while (at > 0 && (timeline[at - 1]?.seq ?? 0) > seq) at--;
  return [...timeline.slice(0, at), message, ...timeline.slice(at)];
}

