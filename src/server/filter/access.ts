import { ConvType } from '../../protocol/codes.js';
import { parseConvId } from '../../protocol/ids.js';
import { err } from '../errors.js';
import type { ConversationRecord, MessageStore } from '../store/message-store.js';

/**
 * The membership check of every read path (§6.4): READ and HISTORY of a conversation one is not
 * in now are refused. One-to-one and system conversations are checked from the convId itself, so
 * a non-participant learns nothing about whether they exist.
 */
export async function checkAccess(store: MessageStore, userId: string, convId: string): Promise<ConversationRecord> {
  const parsed = parseConvId(convId);
  if (!parsed) throw err.badFrame(`content.convId: ${JSON.stringify(convId)} is not a conversation id`);
  switch (parsed.type) {
    case ConvType.SINGLE:
    case ConvType.STRANGER_CHAT:
    case ConvType.SYSTEM_CONVERSATION:
      if (!parsed.parts.includes(userId)) throw err.notMember(convId);
      break;
    default: {
      const groupId = parsed.parts[0] as string;
      const group = await store.getGroup(groupId);
      if (!group || group.convId !== convId) throw err.convNotFound(convId);
      if (!(await store.getMember(groupId, userId))) throw err.notMember(convId);
    }
  }
  const conv = await store.getConversation(convId);
  if (!conv) throw err.convNotFound(convId);
  return conv;
}
