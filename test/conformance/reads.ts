import { describe, expect, it } from 'vitest';
import { CmdType, ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { ImError } from '../../src/server/errors.js';
import type { MessageStore } from '../../src/server/store/message-store.js';
import { groupMessage, newGroup, pairMessage, systemMessage, useStore, user } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

const seqs = (page: { messages: { seq: number }[] }) => page.messages.map((m) => m.seq);

async function sendMany(store: MessageStore, n: number): Promise<void> {
  const batch = Array.from({ length: n }, (_, i) => pairMessage(i % 2 ? 'bob' : 'alice', i % 2 ? 'alice' : 'bob'));
  await store.appendMessages(batch);
}

/** readInbox, readHistory, getConversation, markRead and listConversations. */
export function describeReads(factory: StoreFactory): void {
  const store = useStore(factory);

  describe('readInbox', () => {
    it('is empty with maxPts 0 for a user who never received anything', async () => {
      expect(await store().readInbox('nobody', 0, 100)).toEqual({ entries: [], maxPts: 0, hasMore: false });
    });

    it('returns the stored message as sent, with its pts', async () => {
      const m = pairMessage('alice', 'bob', { clientMsgId: 'c1', content: { text: 'hi', n: [1, { deep: true }] } });
      await store().appendMessages([m]);
      expect(await store().readInbox('bob', 0, 10)).toEqual({
        entries: [
          {
            pts: 1,
            message: {
              msgId: m.msgId,
              convId: 'single:alice:bob',
              convType: ConvType.SINGLE,
              msgType: MsgType.TEXT,
              from: 'alice',
              to: 'bob',
              seq: 1,
              sendTime: m.sendTime,
              content: { text: 'hi', n: [1, { deep: true }] },
              clientMsgId: 'c1',
            },
          },
        ],
        maxPts: 1,
        hasMore: false,
      });
    });

    it('pages after sincePts in pts order, with hasMore while rows remain', async () => {
      await sendMany(store(), 5);
      const page = async (since: number, limit: number) => {
        const p = await store().readInbox('bob', since, limit);
        return [p.entries.map((e) => e.pts), p.hasMore, p.maxPts];
      };
      expect(await page(0, 2)).toEqual([[1, 2], true, 5]);
      expect(await page(2, 2)).toEqual([[3, 4], true, 5]);
      expect(await page(4, 2)).toEqual([[5], false, 5]);
      expect(await page(5, 2)).toEqual([[], false, 5]);
      expect(await page(0, 0)).toEqual([[], true, 5]);
    });
  });

  describe('readHistory', () => {
    it('pages by seq, always ascending, hasMore in the direction paged', async () => {
      await sendMany(store(), 10);
      const read = async (q: { afterSeq?: number; beforeSeq?: number; limit: number }) => {
        const p = await store().readHistory('single:alice:bob', q);
        return [seqs(p), p.hasMore];
      };
      expect(await read({ limit: 3 })).toEqual([[8, 9, 10], true]);
      expect(await read({ limit: 20 })).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], false]);
      expect(await read({ beforeSeq: 8, limit: 3 })).toEqual([[5, 6, 7], true]);
      expect(await read({ beforeSeq: 3, limit: 5 })).toEqual([[1, 2], false]);
      expect(await read({ afterSeq: 7, limit: 2 })).toEqual([[8, 9], true]);
      expect(await read({ afterSeq: 8, limit: 5 })).toEqual([[9, 10], false]);
      expect(await read({ afterSeq: 10, limit: 5 })).toEqual([[], false]);
      expect(await read({ afterSeq: 2, beforeSeq: 6, limit: 2 })).toEqual([[3, 4], true]);
      expect(await read({ afterSeq: 2, beforeSeq: 6, limit: 3 })).toEqual([[3, 4, 5], false]);
    });

    it('is empty for an unknown conversation', async () => {
      expect(await store().readHistory('single:x:y', { limit: 10 })).toEqual({ messages: [], hasMore: false });
    });
  });

  describe('getConversation', () => {
    it('is undefined until the first message of a one-to-one conversation', async () => {
      expect(await store().getConversation('single:alice:bob')).toBeUndefined();
      await sendMany(store(), 3);
      expect(await store().getConversation('single:alice:bob')).toEqual({ convId: 'single:alice:bob', convType: ConvType.SINGLE, maxSeq: 3 });
    });
  });

  describe('markRead', () => {
    it('moves readSeq forward only, never past maxSeq, and tells whether it moved', async () => {
      await sendMany(store(), 4);
      const conv = 'single:alice:bob';
      // bob sent seq 2 and 4, so his own messages already read him up to 4
      expect(await store().markRead('bob', conv, 2)).toEqual({ readSeq: 4, unread: 0, advanced: false });
      expect(await store().markRead('alice', conv, 2)).toEqual({ readSeq: 3, unread: 1, advanced: false });
      expect(await store().markRead('alice', conv, 99)).toEqual({ readSeq: 4, unread: 0, advanced: true });
      expect(await store().markRead('alice', conv, 1)).toEqual({ readSeq: 4, unread: 0, advanced: false });
    });

    it('starts a recipient at 0 and raises it to the seq asked', async () => {
      await store().appendMessages([pairMessage('alice', 'bob'), pairMessage('alice', 'bob'), pairMessage('alice', 'bob')]);
      expect(await store().markRead('bob', 'single:alice:bob', 2)).toEqual({ readSeq: 2, unread: 1, advanced: true });
      expect(await store().markRead('bob', 'single:alice:bob', 2)).toEqual({ readSeq: 2, unread: 1, advanced: false });
    });

    it('has nothing to read in a conversation that does not exist yet', async () => {
      expect(await store().markRead('alice', 'single:alice:bob', 5)).toEqual({ readSeq: 0, unread: 0, advanced: false });
      expect(await store().listConversations('alice')).toEqual([]);
    });

    it('refuses a group the user is not in (NOT_MEMBER) and does not make them a member', async () => {
      const g = newGroup('devs', 'alice', []);
      await store().createGroup(g);
      await store().appendMessages([groupMessage(g, 'alice', g.all)]);
      const e = await store().markRead('mallory', g.convId, 1).catch((x: unknown) => x);
      expect(e instanceof ImError ? e.code : e).toBe(ErrorCode.NOT_MEMBER);
      expect(await store().getMember('devs', 'mallory')).toBeUndefined();
    });

    it('reads a group up to the seq asked', async () => {
      const g = newGroup('devs', 'alice', ['bob']);
      await store().createGroup(g);
      await store().appendMessages([groupMessage(g, 'alice', g.all), groupMessage(g, 'alice', g.all)]);
      expect(await store().markRead('bob', g.convId, 1)).toEqual({ readSeq: 1, unread: 1, advanced: true });
    });
  });

  describe('listConversations', () => {
    it('is empty for a user with no conversations', async () => {
      expect(await store().listConversations('nobody')).toEqual([]);
    });

    it('shows a one-to-one chat to both sides, named after the peer, with the last message as a PUSH', async () => {
      await store().createUsers([user('alice', 'Alice')]);
      await store().createUsers([user('bob', 'Bob')]);
      const first = pairMessage('alice', 'bob');
      const last = pairMessage('bob', 'alice', { content: { text: 'last' } });
      await store().appendMessages([first, last]);

      expect(await store().listConversations('alice')).toEqual([
        {
          convId: 'single:alice:bob',
          convType: ConvType.SINGLE,
          target: 'bob',
          name: 'Bob',
          maxSeq: 2,
          readSeq: 1,
          unread: 1,
          lastMessage: {
            header: { version: 1, cmd: CmdType.PUSH },
            route: { convType: ConvType.SINGLE, msgType: MsgType.TEXT, from: 'bob', to: 'alice' },
            content: { text: 'last' },
            control: {},
            options: {},
            stamp: { msgId: last.msgId, convId: 'single:alice:bob', seq: 2, sendTime: last.sendTime },
          },
        },
      ]);
      expect(await store().listConversations('bob')).toMatchObject([{ target: 'alice', name: 'Alice', readSeq: 2, unread: 0 }]);
    });

    it('names a peer without an account by its userId', async () => {
      await store().appendMessages([pairMessage('alice', 'ghost', { convType: ConvType.STRANGER_CHAT })]);
      expect(await store().listConversations('alice')).toMatchObject([
        { convId: 'stranger:alice:ghost', convType: ConvType.STRANGER_CHAT, target: 'ghost', name: 'ghost' },
      ]);
    });

    it('shows a group by groupId and name, before any message, with lastMessage null', async () => {
      await store().createGroup(newGroup('devs', 'alice', ['bob']));
      expect(await store().listConversations('bob')).toEqual([
        { convId: 'group:devs', convType: ConvType.GROUP, target: 'devs', name: 'The devs', maxSeq: 0, readSeq: 0, unread: 0, lastMessage: null },
      ]);
    });

    it('shows the system conversation as "system", targeted at the user', async () => {
      await store().appendMessages([systemMessage('alice')]);
      expect(await store().listConversations('alice')).toMatchObject([
        { convId: 'system:alice', convType: ConvType.SYSTEM_CONVERSATION, target: 'alice', name: 'system', maxSeq: 1, unread: 1 },
      ]);
    });

    it('orders conversations by last activity, most recent first', async () => {
      const g = newGroup('devs', 'alice', ['bob']);
      await store().createGroup(g);
      await store().appendMessages([pairMessage('alice', 'bob'), pairMessage('carol', 'alice')]);
      expect((await store().listConversations('alice')).map((c) => c.convId)).toEqual([
        'single:alice:carol',
        'single:alice:bob',
        'group:devs',
      ]);
      await store().appendMessages([groupMessage(g, 'bob', g.all)]);
      await store().appendMessages([pairMessage('bob', 'alice')]);
      expect((await store().listConversations('alice')).map((c) => c.convId)).toEqual([
        'single:alice:bob',
        'group:devs',
        'single:alice:carol',
      ]);
    });
  });
}
