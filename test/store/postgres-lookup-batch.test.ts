import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/server/store/postgres/postgres-store.js';
import { PG_URL, createTestDatabase, type TestDatabase } from '../helpers/cluster-services.js';

/**
 * The one-to-one filter's lookups are answered in batches (one statement per turn of the event
 * loop): every lookup of a batch must still get its own pair's answer, unknown users included,
 * and a block or friendship must be seen by the very next lookup (nothing is cached).
 */
describe.skipIf(!PG_URL)('PostgreSQL pair lookups in one batch', () => {
  let db: TestDatabase;
  let store: PostgresStore;

  beforeAll(async () => {
    db = await createTestDatabase(PG_URL!);
    store = await PostgresStore.open(db.url);
    for (const userId of ['ann', 'ben', 'cat', 'dan']) await store.createUser({ userId, passwordHash: 'x', nickname: userId });
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
});
