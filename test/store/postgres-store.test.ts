import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore, StoreOpenError } from '../../src/server/store/postgres/postgres-store.js';
import { PG_LATEST_VERSION } from '../../src/server/store/postgres/migrations.js';
import { describeMessageStore } from '../conformance/message-store.js';
import { groupMessage, newGroup, pairMessage, user } from '../conformance/fixtures.js';
import { PG_URL, createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/cluster-services.js';
import { range } from '../helpers/frames.js';

/**
 * PostgresStore against a real server. Runs only with IM_TEST_PG_URL (any database on the
 * server: this file creates its own im_test_<random> database there and drops it afterwards).
 */
const serverUrl = PG_URL;

if (!serverUrl) {
  console.log('PostgresStore tests skipped: set IM_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres to run them');
}

describe.skipIf(!serverUrl)('PostgresStore', () => {
  let db: TestDatabase | undefined;
  let url = '';
  /** Stores opened by a test, closed before the database is dropped. */
  const opened: PostgresStore[] = [];

  const open = async () => {
    const store = await PostgresStore.open(url);
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    db = await createTestDatabase(serverUrl!);
    url = db.url;
  });

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await db?.drop();
  });

  /** A fresh, empty store: one database per file, emptied before each test. */
  const fresh = async () => {
    const store = await open();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'im_schema'",
      );
      expect(rows.length).toBeGreaterThan(0);
      // Table names come from the catalogue, not from a test's data.
      await c.query(`TRUNCATE ${rows.map((t) => `"${t.name}"`).join(', ')}`);
    } finally {
      await c.end();
    }
    return store;
  };

  describeMessageStore('PostgresStore', fresh);

  describe('several nodes on one database', () => {
    it('migrates from two stores opening at once', async () => {
      const other = await createTestDatabase(serverUrl!);
      try {
        const both = await Promise.all([PostgresStore.open(other.url), PostgresStore.open(other.url)]);
        const [a, b] = both;
        await a!.createUsers([user('alice')]);
        expect((await b!.getUser('alice'))?.userId).toBe('alice');
        await Promise.all(both.map((s) => s.close()));
        const c = new pg.Client({ connectionString: other.url });
        await c.connect();
        expect((await c.query('SELECT version FROM im_schema')).rows).toEqual([{ version: PG_LATEST_VERSION }]);
        await c.end();
      } finally {
        await other.drop();
      }
    });

    it('numbers 2 x 500 concurrent messages into one 20-member group seq 1..1000 once, every pts 1..1000', async () => {
      const nodeA = await fresh();
      const nodeB = await open();
      const members = range(1, 19).map((i) => `m${i}`);
      const g = newGroup('crowd', 'owner', members);
      await nodeA.createGroup(g);

      // Each node commits its 500 messages in batches of 25, both at once.
      const send = async (node: PostgresStore, tag: string) => {
        const results = [];
        for (let b = 0; b < 20; b++) {
          const batch = range(0, 24).map((i) => groupMessage(g, g.all[(b * 25 + i) % g.all.length]!, g.all, { clientMsgId: `${tag}-${b}-${i}` }));
          results.push(...(await node.appendMessages(batch)));
        }
        return results;
      };
      const [fromA, fromB] = await Promise.all([send(nodeA, 'a'), send(nodeB, 'b')]);
      const all = [...fromA, ...fromB];

      expect(all.every((r) => !r.duplicate)).toBe(true);
      expect(all.map((r) => r.seq).sort((x, y) => x - y)).toEqual(range(1, 1000));
      for (const userId of g.all) {
        expect(all.map((r) => r.pts[userId] ?? 0).sort((x, y) => x - y)).toEqual(range(1, 1000));
        const page = await nodeB.readInbox(userId, 0, 2000);
        expect(page.entries.map((e) => e.pts)).toEqual(range(1, 1000));
        expect(page.maxPts).toBe(1000);
      }
      // Each node's results are in its own commit order, so its seqs only grow.
      for (const results of [fromA, fromB]) {
        expect(results.map((r) => r.seq)).toEqual([...results.map((r) => r.seq)].sort((x, y) => x - y));
      }
      expect(await nodeA.getConversation(g.convId)).toMatchObject({ maxSeq: 1000 });
      const history = await nodeA.readHistory(g.convId, { limit: 500 });
      expect(history.messages.map((m) => m.seq)).toEqual(range(501, 1000));
    });

    it('stores one message when two nodes append the same (from, clientMsgId) at once, and both get its stamp', async () => {
      const nodeA = await fresh();
      const nodeB = await open();
      for (let round = 0; round < 20; round++) {
        const m = pairMessage('alice', 'bob', { clientMsgId: `retry-${round}` });
        // The retry carries another msgId, as a resend through another node would.
        const [[a], [b]] = await Promise.all([nodeA.appendMessages([m]), nodeB.appendMessages([pairMessage('alice', 'bob', { clientMsgId: `retry-${round}` })])]);
        expect([a?.duplicate, b?.duplicate].sort()).toEqual([false, true]);
        const { duplicate: _a, pts: ptsA, ...stampA } = a!;
        const { duplicate: _b, pts: ptsB, ...stampB } = b!;
        expect(stampA).toEqual(stampB);
        expect((a!.duplicate ? ptsA : ptsB).alice).toBe((a!.duplicate ? ptsB : ptsA).alice);
      }
      expect(await nodeA.getConversation('single:alice:bob')).toMatchObject({ maxSeq: 20 });
      expect((await nodeB.readInbox('bob', 0, 100)).entries.map((e) => e.pts)).toEqual(range(1, 20));
    });

    it('reads the same token secret on every node (getOrInitMeta from both at once)', async () => {
      const nodeA = await fresh();
      const nodeB = await open();
      const [a, b] = await Promise.all([nodeA.getOrInitMeta('token-secret', () => 'from-a'), nodeB.getOrInitMeta('token-secret', () => 'from-b')]);
      expect(a).toBe(b);
    });
  });

  describe('opening', () => {
    it('keeps msgIds exact as BIGINT, and continues counters across reopen', async () => {
      const before = await fresh();
      await before.appendMessages([pairMessage('alice', 'bob', { msgId: '9223372036854775806' })]);
      await before.close();
      const after = await open();
      const [next] = await after.appendMessages([pairMessage('alice', 'bob')]);
      expect(next).toMatchObject({ seq: 2, pts: { alice: 2, bob: 2 } });
      expect((await after.readHistory('single:alice:bob', { limit: 1, beforeSeq: 2 })).messages[0]?.msgId).toBe('9223372036854775806');
    });

    it('refuses a database that does not exist, naming it', async () => {
      const missing = databaseUrl(url, `im_missing_${randomBytes(4).toString('hex')}`);
      const e = await PostgresStore.open(missing).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StoreOpenError);
      expect((e as Error).message).toContain(new URL(missing).pathname.slice(1));
      expect((e as Error).message).toMatch(/does not exist/);
    });

    it('refuses an unreachable server within 10 s', async () => {
      const started = Date.now();
      const e = await PostgresStore.open('postgres://postgres@127.0.0.1:1/im').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StoreOpenError);
      expect((e as Error).message).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1/);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('refuses a malformed URL, and never prints the password', async () => {
      const e = await PostgresStore.open('postgres://user:secret@[bad/im').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StoreOpenError);
      expect((e as Error).message).not.toContain('secret');
      const wrong = await PostgresStore.open(`postgres://postgres:hunter2@127.0.0.1:1/im`).catch((x: unknown) => x);
      expect((wrong as Error).message).not.toContain('hunter2');
    });
  });
});
