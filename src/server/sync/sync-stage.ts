import { convTypeName } from '../../protocol/codes.js';
import type { Metrics } from '../metrics.js';
import type { Outgoing, Stage } from '../pipeline.js';
import type { AppendResult } from '../store/message-store.js';
import type { Bus, MessageEvent, Recipient } from './bus.js';

/**
 * Multi-device sync: decides which users' devices get a copy (the sender's other devices
 * included) with which pts, and hands it to the bus. Runs synchronously right after the commit,
 * so events leave in commit order.
 */
export function createSyncStage(bus: Bus, metrics: Metrics): Stage {
  return (msg) => {
    const event = msg.duplicateOf ? ackOnly(msg, msg.duplicateOf) : messageEvent(msg);
    if (msg.result) metrics.messagesStored.inc({ conv_type: convTypeName(msg.convType) });
    bus.publish(event);
  };
}

function messageEvent(msg: Outgoing): MessageEvent {
  const record = msg.record!;
  const result = msg.result;
  const recipients: Recipient[] = result
    ? (msg.inboxUsers ?? []).map((userId) => ({ userId, pts: result.pts[userId] }))
    : [];
  const senderPts = result?.pts[msg.from];
  const message = result
    ? { ...messageOf(msg), seq: result.seq, msgId: result.msgId, sendTime: result.sendTime }
    : messageOf(msg);
  return {
    kind: 'message',
    message,
    control: msg.control,
    options: msg.options,
    recipients,
    audience: msg.pushUsers ?? [],
    origin: senderPts === undefined ? { ...msg.origin } : { ...msg.origin, senderPts },
    transient: !msg.persist,
  };

  function messageOf(m: Outgoing) {
    const base = {
      msgId: record.msgId,
      convId: record.convId,
      convType: m.convType,
      msgType: m.msgType,
      from: m.from,
      to: m.to,
      sendTime: record.sendTime,
      content: m.content,
    };
    return record.clientMsgId === undefined ? base : { ...base, clientMsgId: record.clientMsgId };
  }
}

/** A retried SEND: the first stamp goes back to the sending device; nobody is pushed again. */
function ackOnly(msg: Outgoing, first: AppendResult): MessageEvent {
  const senderPts = first.pts[msg.from];
  return {
    kind: 'message',
    message: {
      msgId: first.msgId,
      convId: first.convId,
      convType: msg.convType,
      msgType: msg.msgType,
      from: msg.from,
      to: msg.to,
      seq: first.seq,
      sendTime: first.sendTime,
      content: msg.content,
    },
    control: msg.control,
    options: msg.options,
    recipients: [],
    audience: [],
    origin: senderPts === undefined ? { ...msg.origin } : { ...msg.origin, senderPts },
    transient: false,
  };
}
