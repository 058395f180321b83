import type { RunRecord, Violation } from '../types.js';
import { indexRecord, Sink, type Index } from './context.js';
import { checkDuplicateDelivery } from './duplicate-delivery.js';
import { checkForeignConversation } from './foreign-conversation.js';
import { checkLost } from './lost.js';
import { checkMsgSeq } from './msg-seq.js';
import { checkPtsGap } from './pts-gap.js';
import { checkPushSeqOrder } from './push-seq-order.js';
import { checkSeqUnique } from './seq-unique.js';

/**
 * The built-in invariants: rules every scenario run is checked against, without the author
 * writing them (docs/scenarios.md). Each rule is a module of its own, documented there:
 *
 * | rule | in one line |
 * |---|---|
 * | `seq-unique` | a (convId, seq) names one msgId, across every ack and every frame any device got |
 * | `msg-seq` | a msgId has one seq (≥ 1; none when transient) across every ack, PUSH, SYNC_RESP and HISTORY_RESP |
 * | `push-seq-order` | per device and conversation, PUSH seq strictly increases (across sessions) |
 * | `pts-gap` | per device, one msgId per pts, PUSH/ACK pts increase per session, and after a SYNC every pts up to its maxPts was seen |
 * | `duplicate-delivery` | no msgId pushed twice to a device (SYNC/HISTORY re-returning is fine), never a device's own send |
 * | `lost` | an acked message reached every recipient device online across the send: by PUSH when it stayed online to the end (a SYNC/HISTORY on the same connection does not count), by PUSH or a later SYNC/HISTORY when it went away and came back |
 * | `foreign-conversation` | no PUSH/READ_NOTIFY of a conversation the user was not in (1 s grace) |
 *
 * Each violation names the user, device and conversation, with the numbers in its one-line
 * message. At most MAX_VIOLATIONS_PER_RULE (20) are listed per rule; the rest are summed in a
 * final `…and N more` violation of that rule (user `*`). Cost: O(total frames + messages in
 * SYNC/HISTORY pages + sends × recipient devices); the frame index is shared (and cached per
 * record) between `checkInvariants`, `countLost` and `countDuplicates`.
 */
export function checkInvariants(record: RunRecord): Violation[] {
  const index = indexRecord(record);
  const sink = new Sink();
  for (const rule of ALL) rule(index, sink);
  return sink.violations();
}

/** The number of (user, device, msgId) an acked message never reached (the `lost` rule, uncapped). */
export function countLost(record: RunRecord): number {
  const sink = new Sink(0);
  checkLost(indexRecord(record), sink);
  return sink.count('lost');
}

/** The number of PUSH frames that were duplicate deliveries (the `duplicate-delivery` rule, uncapped). */
export function countDuplicates(record: RunRecord): number {
  const sink = new Sink(0);
  checkDuplicateDelivery(indexRecord(record), sink);
  return sink.count('duplicate-delivery');
}

const ALL: readonly ((index: Index, sink: Sink) => void)[] = [
  checkSeqUnique,
  checkMsgSeq,
  checkPushSeqOrder,
  checkPtsGap,
  checkDuplicateDelivery,
  checkLost,
  checkForeignConversation,
];

export { MAX_VIOLATIONS_PER_RULE } from './context.js';
export { MEMBERSHIP_GRACE_MS } from './foreign-conversation.js';
