import { ConvType, ErrorCode } from '../../protocol/codes.js';
import type { HistoryRespFrame, ReadAckFrame, SyncRespFrame } from '../../protocol/frames.js';
import { parseConvId } from '../../protocol/ids.js';
import { pushFrame } from '../../protocol/messages.js';
import type { ServerConfig } from '../config.js';
import { ImError } from '../errors.js';
import type { Buckets } from '../filter/buckets.js';
import type { ConversationRecord, MessageStore } from '../store/message-store.js';
import type { Bus, ConnRef } from './bus.js';

type Content<F extends { content: unknown }> = F['content'];

const clamp = (limit: number | undefined, dflt: number, max: number): number => Math.min(limit ?? dflt, max);

/**
 * SYNC, READ and HISTORY: the reading side of sync. SYNC returns only the caller's own inbox;
 * READ and HISTORY check membership first (§6.4).
 */
export type AccessCheck = (userId: string, convId: string) => Promise<ConversationRecord>;

export function createReadCommands(
  store: MessageStore,
  bus: Bus,
  config: Readonly<ServerConfig>,
  checkAccess: AccessCheck,
  limiter: Buckets,
) {
  /**
   * Reads are admitted while the user's bucket is positive and pay for the rows they returned
   * afterwards, so a user holding many big pages in flight waits instead of slowing every
   * other user's frames (§6.6, extended to reads: docs/protocol.md §8).
   */
  async function admit(userId: string): Promise<void> {
    const waitMs = await limiter.take(userId, 1);
    if (waitMs > 0) throw new ImError(ErrorCode.RATE_LIMITED, `too many reads; retry in ${waitMs} ms`, waitMs);
  }
  const pay = (userId: string, rows: number) => limiter.charge(userId, rows - 1);

  return {
    async sync(userId: string, q: { sincePts: number; limit?: number }): Promise<Content<SyncRespFrame>> {
      await admit(userId);
      const page = await store.readInbox(userId, q.sincePts, clamp(q.limit, config.syncDefaultLimit, config.syncMaxLimit));
      pay(userId, page.entries.length);
      return {
        messages: page.entries.map((e) => pushFrame(e.message, e.pts)),
        maxPts: page.maxPts,
        hasMore: page.hasMore,
      };
    },

    async history(
      userId: string,
      q: { convId: string; afterSeq?: number; beforeSeq?: number; limit?: number },
    ): Promise<Content<HistoryRespFrame>> {
      await admit(userId);
      await checkAccess(userId, q.convId);
      const page = await store.readHistory(q.convId, {
        ...(q.afterSeq === undefined ? {} : { afterSeq: q.afterSeq }),
        ...(q.beforeSeq === undefined ? {} : { beforeSeq: q.beforeSeq }),
        limit: clamp(q.limit, config.historyDefaultLimit, config.historyMaxLimit),
      });
      pay(userId, page.messages.length);
      // History is paged by seq; pts belongs to SYNC, so these frames carry none.
      return { messages: page.messages.map((m) => pushFrame(m)), hasMore: page.hasMore };
    },

    async read(userId: string, conn: ConnRef, q: { convId: string; seq: number }): Promise<Content<ReadAckFrame>> {
      await admit(userId);
      await checkAccess(userId, q.convId);
      const r = await store.markRead(userId, q.convId, q.seq);
      if (r.advanced) {
        bus.publish({ kind: 'read', convId: q.convId, userId, readSeq: r.readSeq, notify: notifyTargets(userId, q.convId), except: conn });
      }
      return { convId: q.convId, readSeq: r.readSeq, unread: r.unread };
    },
  };
}

/** READ_NOTIFY goes to the peer of a one-to-one chat and to the reader's other devices. */
function notifyTargets(userId: string, convId: string): string[] {
  const parsed = parseConvId(convId);
  const pair = parsed?.type === ConvType.SINGLE || parsed?.type === ConvType.STRANGER_CHAT;
  return pair ? [...parsed.parts] : [userId];
}

export type ReadCommands = ReturnType<typeof createReadCommands>;
