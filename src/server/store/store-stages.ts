import type { Snowflake } from '../snowflake.js';
import type { Stage } from '../pipeline.js';
import type { BatchCommitter } from './batch-committer.js';
import type { MessageStore } from './message-store.js';

/**
 * §6.2: a SEND retried with the same (from, clientMsgId) gets the first stamp, whatever its
 * content — so this runs before the filter: a retry must succeed even if the rules changed since.
 */
export function createDedupeStage(store: MessageStore): Stage {
  return async (msg) => {
    const id = msg.control.clientMsgId;
    if (id === undefined || !msg.persist) return;
    const first = await store.findByClientMsgId(msg.from, id);
    if (first) msg.duplicateOf = first;
  };
}

/**
 * Gives the message its Snowflake and commits it (with its seq, inbox rows and pts) through the
 * group committer; transient messages only get an id. The append itself re-checks the
 * clientMsgId, so two concurrent retries still store one message.
 */
export function createStoreStage(ids: Snowflake, committer: BatchCommitter, now: () => number): Stage {
  return (msg) => {
    if (msg.duplicateOf) return;
    const record = {
      msgId: ids.next(),
      convId: msg.convId as string,
      convType: msg.convType,
      msgType: msg.msgType,
      from: msg.from,
      to: msg.to,
      content: msg.content,
      sendTime: now(),
      inboxUsers: msg.inboxUsers ?? [],
      participants: msg.participants ?? [],
      ...(msg.control.clientMsgId === undefined ? {} : { clientMsgId: msg.control.clientMsgId }),
    };
    msg.record = record;
    if (!msg.persist) return;
    const committed = committer.append(record);
    msg.onQueued?.();
    return committed.then((result) => {
      if (result.duplicate) msg.duplicateOf = result;
      else msg.result = result;
    });
  };
}
