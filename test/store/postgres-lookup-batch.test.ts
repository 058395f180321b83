import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvType, MsgType } from '../../src/protocol/codes.js';
import type { NewMessage } from '../../src/server/store/message-store.js';
import { PostgresStore } from '../../src/server/store/postgres/postgres-store.js';
import { PG_URL, createTestDatabase, type TestDatabase } from '../helpers/cluster-services.js';

/**
 * The one-to-one filter's pair lookups and the dedupe stage's clientMsgId lookups are answered in
 * batches (one statement per turn of the event loop): every lookup of a batch must still get its
 * own answer, unknown keys included, and what was committed just before must be seen by the very
 * next lookup (nothing is cached).
 */
describe.skipIf(!PG_URL)('PostgreSQL lookups in one batch', () => {
  let db: TestDatabase;
  let store: PostgresStore;

  beforeAll(async () => {
    db = await createTestDatabase(PG_URL!);
    store = await PostgresStore.open(db.url);
    for (const userId of ['ann', 'ben', 'cat', 'dan']) await store.createUsers([{ userId, passwordHash: 'x', nickname: userId }]);
    await store.addFriend('ann', 'ben');
    await store.addFriend('ben', 'ann');
    await store.block('cat', 'ann');
    await store.setAllowStrangers('dan', false);
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('answers every lookup of one turn with its own pair', async () => {
    const pairs: [string, string][] = [];
    for (let i = 0; i < 300; i++) pairs.push(...([['ann', 'ben'], ['ben', 'ann'], ['ann', 'cat'], ['cat', 'ann'], ['ann', 'dan'], ['ann', 'nobody'], ['ann', 'ann']] as [string, string][]));
    const answers = await Promise.all(pairs.map(([from, to]) => store.relation(from, to)));
    const expected = new Map<string, unknown>([
      ['ann>ben', { allowStrangers: true, blocked: false, friends: true }],
      ['ben>ann', { allowStrangers: true, blocked: false, friends: true }],
      ['ann>cat', { allowStrangers: true, blocked: true, friends: false }],
      ['cat>ann', { allowStrangers: true, blocked: true, friends: false }],
      ['ann>dan', { allowStrangers: false, blocked: false, friends: false }],
      ['ann>nobody', undefined],
      ['ann>ann', { allowStrangers: true, blocked: false, friends: false }],
    ]);
    pairs.forEach(([from, to], i) => expect(answers[i], `${from}>${to} (#${i})`).toEqual(expected.get(`${from}>${to}`)));
  });

  it('sees a block made just before, and an unblock', async () => {
    await store.block('ben', 'ann');
    expect((await store.relation('ann', 'ben'))?.blocked).toBe(true);
    await store.unblock('ben', 'ann');
    expect((await store.relation('ann', 'ben'))?.blocked).toBe(false);
  });

  it('answers every clientMsgId lookup of one turn with its own message, and sees one stored just before', async () => {
    let id = 1000n;
    const message = (from: string, to: string, clientMsgId: string): NewMessage => {
      const [a, b] = [from, to].sort();
      return {
        msgId: String(id++), convId: `single:${a}:${b}`, convType: ConvType.SINGLE, msgType: MsgType.TEXT, from, to,
        content: { text: clientMsgId }, sendTime: 1, clientMsgId, inboxUsers: [from, to], participants: [from, to],
      };
    };
    const stored = await store.appendMessages([message('ann', 'ben', 'c1'), message('ben', 'ann', 'c1'), message('ann', 'ben', 'c2')]);
    const keys: [string, string][] = [];
    for (let i = 0; i < 200; i++) keys.push(['ann', 'c1'], ['ben', 'c1'], ['ann', 'c2'], ['ben', 'c2'], ['cat', 'c1']);
    const answers = await Promise.all(keys.map(([from, c]) => store.findByClientMsgId(from, c)));
    const expected = new Map<string, string | undefined>([
      ['ann/c1', stored[0]!.msgId],
      ['ben/c1', stored[1]!.msgId],
      ['ann/c2', stored[2]!.msgId],
      ['ben/c2', undefined],
      ['cat/c1', undefined],
    ]);
    keys.forEach(([from, c], i) => expect(answers[i]?.msgId, `${from}/${c} (#${i})`).toBe(expected.get(`${from}/${c}`)));
    expect(answers[0]).toMatchObject({ duplicate: true, seq: stored[0]!.seq, pts: { ann: stored[0]!.pts.ann } });

    const [late] = await store.appendMessages([message('ben', 'ann', 'c2')]);
    expect((await store.findByClientMsgId('ben', 'c2'))?.msgId).toBe(late!.msgId);
  });
});
