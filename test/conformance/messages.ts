import { describe, expect, it } from 'vitest';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { ImError } from '../../src/server/errors.js';
import type { MessageStore, NewMessage } from '../../src/server/store/message-store.js';
import { groupMessage, newGroup, pairMessage, useStore } from './fixtures.js';
import type { StoreFactory } from './fixtures.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function inboxPts(store: MessageStore, userId: string): Promise<number[]> {
  return (await store.readInbox(userId, 0, 10_000)).entries.map((e) => e.pts);
}

async function append(store: MessageStore, m: NewMessage) {
  const [result] = await store.appendMessages([m]);
  if (!result) throw new Error('appendMessages returned no result');
  return result;
}

/** appendMessages and findByClientMsgId: seq, pts, idempotency, atomicity. */
export function describeAppend(factory: StoreFactory): void {
  const store = useStore(factory);

  it('stamps a first message with seq 1 and pts 1 for each inbox user', async () => {
    const m = pairMessage('alice', 'bob', { clientMsgId: 'c1' });
    expect(await store().appendMessages([m])).toEqual([
      { msgId: m.msgId, convId: 'single:alice:bob', seq: 1, sendTime: m.sendTime, pts: { alice: 1, bob: 1 }, duplicate: false },
    ]);
    expect(await store().getConversation('single:alice:bob')).toEqual({ convId: 'single:alice:bob', convType: ConvType.SINGLE, maxSeq: 1 });
  });

  it('returns [] for an empty batch', async () => {
    expect(await store().appendMessages([])).toEqual([]);
  });

  it('counts seq per conversation and pts per user across conversations', async () => {
    const results = await store().appendMessages([
      pairMessage('alice', 'bob'),
      pairMessage('bob', 'alice'),
      pairMessage('alice', 'carol'),
    ]);
    expect(results.map((r) => [r.convId, r.seq, r.pts])).toEqual([
      ['single:alice:bob', 1, { bob: 1, alice: 1 }],
      ['single:alice:bob', 2, { alice: 2, bob: 2 }],
      ['single:alice:carol', 1, { carol: 1, alice: 3 }],
    ]);
    expect(await inboxPts(store(), 'alice')).toEqual([1, 2, 3]);
  });

  it('keeps msgIds exact beyond 2^53', async () => {
    const big = ['9007199254740993', '9223372036854775807'];
    await store().appendMessages(big.map((msgId, i) => pairMessage('alice', 'bob', { msgId, clientMsgId: `c${i}` })));
    const page = await store().readInbox('bob', 0, 10);
    expect(page.entries.map((e) => e.message.msgId)).toEqual(big);
    expect((await store().readHistory('single:alice:bob', { limit: 10 })).messages.map((m) => m.msgId)).toEqual(big);
    expect((await store().findByClientMsgId('alice', 'c1'))?.msgId).toBe(big[1]);
  });

  it('gives 200 messages from many senders in one batch seq 1..200 once, and every member gap-free pts', async () => {
    const members = range(1, 20).map((i) => `u${i}`);
    const g = newGroup('crowd', 'owner', members);
    await store().createGroup(g);
    const batch = range(0, 199).map((i) => groupMessage(g, g.all[i % g.all.length] ?? 'owner', g.all, { clientMsgId: `m${i}` }));

    const results = await store().appendMessages(batch);

    expect(results.map((r) => r.seq)).toEqual(range(1, 200));
    expect(results.map((r) => r.msgId)).toEqual(batch.map((m) => m.msgId));
    for (const userId of g.all) {
      expect(results.map((r) => r.pts[userId])).toEqual(range(1, 200));
      expect(await inboxPts(store(), userId)).toEqual(range(1, 200));
    }
    const history = await store().readHistory(g.convId, { limit: 500 });
    expect(history.messages.map((m) => m.seq)).toEqual(range(1, 200));
  });

  it('numbers 50 concurrent appends to one conversation 1..50, each once, with gap-free pts', async () => {
    const members = range(1, 10).map((i) => `u${i}`);
    const g = newGroup('busy', 'owner', members);
    await store().createGroup(g);

    const results = await Promise.all(
      range(0, 49).map((i) => append(store(), groupMessage(g, members[i % members.length] ?? 'owner', g.all))),
    );

    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(range(1, 50));
    for (const userId of g.all) {
      expect(results.map((r) => r.pts[userId]).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(range(1, 50));
      expect(await inboxPts(store(), userId)).toEqual(range(1, 50));
    }
  });

  it('does not re-admit a removed group member whose message was already past the filter', async () => {
    const g = newGroup('devs', 'alice', ['bob']);
    await store().createGroup(g);
    await store().removeMembers('devs', ['bob']);
    await store().appendMessages([groupMessage(g, 'bob', ['alice'])]);
    expect(await store().getMember('devs', 'bob')).toBeUndefined();
    expect(await store().listConversations('bob')).toEqual([]);
  });

  it('gives a user named __proto__ their pts like anyone else', async () => {
    const [r] = await store().appendMessages([pairMessage('__proto__', 'bob')]);
    expect(r?.pts['__proto__']).toBe(1);
    expect(Object.keys(r?.pts ?? {}).sort()).toEqual(['__proto__', 'bob']);
  });

  it('gives no pts to the sender with sync=false, but still marks the conversation read for it', async () => {
    const r = await append(store(), pairMessage('alice', 'bob', { sync: false }));
    expect(r.pts).toEqual({ bob: 1 });
    expect((await store().readInbox('alice', 0, 10)).maxPts).toBe(0);
    const [conv] = await store().listConversations('alice');
    expect(conv).toMatchObject({ convId: 'single:alice:bob', maxSeq: 1, readSeq: 1, unread: 0 });
  });

  it('stores a read-diffusion message with a seq and no pts', async () => {
    const g = newGroup('news', 'alice', ['bob'], ConvType.CHANNEL);
    await store().createGroup(g);
    const r = await append(store(), groupMessage(g, 'alice', []));
    expect(r).toMatchObject({ convId: 'channel:news', seq: 1, pts: {}, duplicate: false });
    expect((await store().readInbox('bob', 0, 10)).entries).toEqual([]);
    expect((await store().readHistory('channel:news', { limit: 10 })).messages.map((m) => m.seq)).toEqual([1]);
  });

  it('refuses a message to a group conversation that was never created (CONVERSATION_NOT_FOUND)', async () => {
    const ghost = newGroup('ghost', 'alice', []);
    const e = await store().appendMessages([groupMessage(ghost, 'alice', ['alice'])]).catch((x: unknown) => x);
    expect(e instanceof ImError ? e.code : e).toBe(ErrorCode.CONVERSATION_NOT_FOUND);
    expect(await store().getConversation(ghost.convId)).toBeUndefined();
  });

  describe('idempotency on (from, clientMsgId)', () => {
    it('returns the first stamp for a retry, whatever its content, and stores nothing new', async () => {
      const first = await append(store(), pairMessage('alice', 'bob', { clientMsgId: 'c1' }));
      const retry = await append(store(), pairMessage('alice', 'bob', { clientMsgId: 'c1', content: { text: 'changed' } }));

      expect(retry).toEqual({ ...first, pts: { alice: 1 }, duplicate: true });
      expect((await store().getConversation('single:alice:bob'))?.maxSeq).toBe(1);
      expect(await inboxPts(store(), 'bob')).toEqual([1]);
      const [only] = (await store().readHistory('single:alice:bob', { limit: 10 })).messages;
      expect(only?.content).toEqual({ text: 'hello' });
    });

    it('stores one message when a batch holds the same (from, clientMsgId) twice', async () => {
      const [a, b] = await store().appendMessages([
        pairMessage('alice', 'bob', { clientMsgId: 'c1' }),
        pairMessage('alice', 'bob', { clientMsgId: 'c1' }),
      ]);
      expect(a).toMatchObject({ seq: 1, duplicate: false });
      expect(b).toEqual({ msgId: a?.msgId, convId: a?.convId, seq: 1, sendTime: a?.sendTime, pts: { alice: 1 }, duplicate: true });
      expect(await inboxPts(store(), 'bob')).toEqual([1]);

      const next = await append(store(), pairMessage('alice', 'bob', { clientMsgId: 'c2' }));
      expect(next).toMatchObject({ seq: 2, pts: { alice: 2, bob: 2 } });
    });

    it('answers a retry sent to another conversation with the first stamp, creating nothing', async () => {
      const first = await append(store(), pairMessage('alice', 'bob', { clientMsgId: 'c1' }));
      const retry = await append(store(), pairMessage('alice', 'carol', { clientMsgId: 'c1' }));
      expect(retry).toEqual({ ...first, pts: { alice: 1 }, duplicate: true });
      expect(await store().getConversation('single:alice:carol')).toBeUndefined();
      expect(await store().readInbox('carol', 0, 10)).toEqual({ entries: [], maxPts: 0, hasMore: false });
    });

    it('treats the same clientMsgId from two senders as two messages', async () => {
      const results = await store().appendMessages([
        pairMessage('alice', 'bob', { clientMsgId: 'same' }),
        pairMessage('bob', 'alice', { clientMsgId: 'same' }),
      ]);
      expect(results.map((r) => [r.seq, r.duplicate])).toEqual([
        [1, false],
        [2, false],
      ]);
    });

    it('finds the stamp by clientMsgId with the sender pts only', async () => {
      const first = await append(store(), pairMessage('alice', 'bob', { clientMsgId: 'c1' }));
      await append(store(), pairMessage('carol', 'dave', { clientMsgId: 'c9', sync: false }));
      expect(await store().findByClientMsgId('alice', 'c1')).toEqual({ ...first, pts: { alice: 1 }, duplicate: true });
      expect(await store().findByClientMsgId('carol', 'c9')).toMatchObject({ seq: 1, pts: {}, duplicate: true });
      expect(await store().findByClientMsgId('bob', 'c1')).toBeUndefined();
      expect(await store().findByClientMsgId('alice', 'nope')).toBeUndefined();
    });
  });

  describe('a batch that fails', () => {
    it('stores nothing of it, and the next append continues without a gap', async () => {
      const first = pairMessage('alice', 'bob', { clientMsgId: 'c1' });
      await append(store(), first);
      const doomed = [
        pairMessage('alice', 'bob', { clientMsgId: 'c2' }),
        pairMessage('carol', 'alice', { clientMsgId: 'c3' }),
        pairMessage('bob', 'alice', { msgId: first.msgId }),
      ];

      await expect(store().appendMessages(doomed)).rejects.toBeDefined();

      expect((await store().getConversation('single:alice:bob'))?.maxSeq).toBe(1);
      expect(await store().getConversation('single:alice:carol')).toBeUndefined();
      expect(await store().readInbox('alice', 0, 10)).toMatchObject({ maxPts: 1, hasMore: false });
      expect(await store().readInbox('carol', 0, 10)).toEqual({ entries: [], maxPts: 0, hasMore: false });
      expect(await store().findByClientMsgId('alice', 'c2')).toBeUndefined();
      expect(await store().listConversations('carol')).toEqual([]);

      const [retried, other] = await store().appendMessages([doomed[0]!, pairMessage('carol', 'alice')]);
      expect(retried).toMatchObject({ seq: 2, pts: { alice: 2, bob: 2 }, duplicate: false });
      expect(other).toMatchObject({ seq: 1, pts: { carol: 1, alice: 3 } });
      expect(await inboxPts(store(), 'alice')).toEqual([1, 2, 3]);
      expect(await inboxPts(store(), 'bob')).toEqual([1, 2]);
    });
  });
}
