import type { Snowflake } from '../snowflake.js';
import { committedOf, duplicateOf, transientOf, type AdmitStage, type Committed, type Duplicate, type StoreStage } from '../pipeline.js';
import type { BatchCommitter } from './batch-committer.js';
import type { AppendResult, MessageStore } from './message-store.js';

/**
 * §6.2: a SEND retried with the same (from, clientMsgId) gets the first stamp, whatever its
 * content — so this runs before the filter: a retry must succeed even if the rules changed since.
 * A hit ends the pipeline: the Duplicate goes straight to the sync stage, which acks it.
 */
export function createDedupeStage(store: MessageStore): AdmitStage {
  return async (msg) => {
    const id = msg.control.clientMsgId;
    if (id === undefined || !msg.persist) return msg;
    const first = await store.findByClientMsgId(msg.from, id);
    return first ? duplicateOf(msg, first) : msg;
  };
}

/**
 * Gives the message its Snowflake and send time and commits it through the group committer; its
 * seq, inbox rows and pts are allocated by the store inside that commit's transaction. Transient
 * messages only get an id. The append itself re-checks the clientMsgId, so two concurrent retries
 * still store one message: the later one comes back as a Duplicate.
 */
export function createStoreStage(ids: Snowflake, committer: BatchCommitter, now: () => number): StoreStage {
  return (msg, queued) => {
    const msgId = ids.next();
    const sendTime = now();
    if (!msg.persist) return transientOf(msg, msgId, sendTime);
    const { clientMsgId } = msg.control;
    const committed = committer.append({
      msgId,
      convId: msg.convId,
      convType: msg.convType,
      msgType: msg.msgType,
      from: msg.from,
      to: msg.to,
      content: msg.content,
      sendTime,
      inboxUsers: msg.inboxUsers,
      participants: msg.participants,
      ...(clientMsgId === undefined ? {} : { clientMsgId }),
    });
    queued();
    return committed.then((r: AppendResult): Committed | Duplicate =>
      r.duplicate
        ? duplicateOf(msg, r)
        : committedOf(msg, r),
    );
  };
}
