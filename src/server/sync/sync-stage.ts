import { convTypeName } from '../../protocol/codes.js';
import type { Metrics } from '../metrics.js';
import type { Committed, Duplicate, PublishStage, SendRequest, Transient } from '../pipeline.js';
import type { Bus, MessageEvent } from './bus.js';

/**
 * Multi-device sync: decides which users' devices get a copy (the sender's other devices
 * included) with which pts, and hands it to the bus. Runs synchronously right after the commit,
 * so events leave in commit order.
 */
export function createSyncStage(bus: Bus, metrics: Metrics): PublishStage {
  return (msg) => {
    switch (msg.kind) {
      case 'committed':
        metrics.messagesStored.inc({ conv_type: convTypeName(msg.convType) });
        return bus.publish(committedEvent(msg));
      case 'transient':
        return bus.publish(transientEvent(msg));
      case 'duplicate':
        return bus.publish(ackOnly(msg));
    }
  };
}

/** Every inbox user with their own pts; the sending device gets the ack with the sender's. */
function committedEvent(msg: Committed): MessageEvent {
  return {
    kind: 'message',
    message: { ...messageOf(msg), seq: msg.seq },
    control: msg.control,
    options: msg.options,
    recipients: msg.inboxUsers.map((userId) => ({ userId, pts: msg.pts[userId] })),
    audience: msg.audience,
    origin: originOf(msg, msg.pts[msg.from]),
    transient: false,
  };
}

/** Never stored: pushed to whoever is online, without seq or pts. */
function transientEvent(msg: Transient): MessageEvent {
  return {
    kind: 'message',
    message: messageOf(msg),
    control: msg.control,
    options: msg.options,
    recipients: [],
    audience: msg.audience,
    origin: originOf(msg, undefined),
    transient: true,
  };
}

/** A retried SEND: the first stamp goes back to the sending device; nobody is pushed again. */
function ackOnly(msg: Duplicate): MessageEvent {
  const { first } = msg;
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
    origin: originOf(msg, first.pts[msg.from]),
    transient: false,
  };
}

/** The message as stored (or, transient, as it would have been), without its seq. */
function messageOf(msg: Committed | Transient) {
  const base = {
    msgId: msg.msgId,
    convId: msg.convId,
    convType: msg.convType,
    msgType: msg.msgType,
    from: msg.from,
    to: msg.to,
    sendTime: msg.sendTime,
    content: msg.content,
  };
  const { clientMsgId } = msg.control;
  return clientMsgId === undefined ? base : { ...base, clientMsgId };
}

function originOf(msg: SendRequest, senderPts: number | undefined): MessageEvent['origin'] {
  return senderPts === undefined ? { ...msg.origin } : { ...msg.origin, senderPts };
}
