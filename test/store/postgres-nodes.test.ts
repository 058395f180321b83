import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/server/store/postgres/postgres-store.js';
import { NodeClaimError } from '../../src/server/store/node-claim-error.js';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store.js';
import type { NodeClaim } from '../../src/server/store/message-store.js';
import { PG_URL, createTestDatabase } from '../helpers/cluster-services.js';

/**
 * The node-id lease of the PostgreSQL store (claimNode / renewNode / releaseNode) against a real
 * server (IM_TEST_PG_URL): one id per live node, a dead node's id free once its lease expires,
 * and no node on the in-process bus beside another live node.
 */

if (!PG_URL) {
  console.log('PostgreSQL node-lease tests skipped: set IM_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres to run them');
}

let seq = 0;
const claim = (over: Partial<NodeClaim> = {}): NodeClaim => ({ instance: `instance-${++seq}`, bus: 'redis', ttlMs: 10_000, ...over });

const refusal = async (p: Promise<unknown>): Promise<NodeClaimError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(NodeClaimError);
  return e as NodeClaimError;
};

describe.skipIf(!PG_URL)('PostgresStore node-id leases', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const opened: PostgresStore[] = [];
  const open = async () => {
    const store = await PostgresStore.open(db!.url);
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    db = await createTestDatabase(PG_URL!);
  });
  afterEach(async () => {
    // Every test starts with no lease held.
    const c = new pg.Client({ connectionString: db!.url });
    await c.connect();
    try {
      await c.query('DELETE FROM nodes');
    } finally {
      await c.end();
    }
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await db?.drop();
  });

  it('refuses a node id another live node holds, naming --node-id; frees it on release', async () => {
    const [a, b] = [await open(), await open()];
    const first = claim({ nodeId: 3 });
    expect(await a.claimNode(first)).toEqual({ nodeId: 3 });
    const e = await refusal(b.claimNode(claim({ nodeId: 3 })));
    expect(e.setting).toBe('--node-id');
    expect(e.message).toMatch(/^node id 3 is held by another live node .*--node-id/);
    expect(e.message).not.toContain('\n');
    // Another id is fine.
    expect(await b.claimNode(claim({ nodeId: 4 }))).toEqual({ nodeId: 4 });

    await a.releaseNode(3, first.instance);
    expect(await b.claimNode(claim({ nodeId: 3 }))).toEqual({ nodeId: 3 });
  });

  it('frees the id of a node that stopped renewing once its lease expires; the old holder then finds it lost', async () => {
    const [a, b] = [await open(), await open()];
    const first = claim({ nodeId: 7, ttlMs: 300 });
    await a.claimNode(first);
    expect(await a.renewNode(7, first.instance, 300)).toBe(true);
    await refusal(b.claimNode(claim({ nodeId: 7 })));

    // Poll with a deadline: the lease must expire within its ttl (plus slack), never before.
    const claimedAt = Date.now();
    let won: { nodeId: number } | undefined;
    while (!won && Date.now() - claimedAt < 5_000) {
      won = await b.claimNode(claim({ nodeId: 7 })).catch(() => undefined);
      if (!won) await new Promise((r) => setTimeout(r, 50));
    }
    expect(won).toEqual({ nodeId: 7 });
    expect(await a.renewNode(7, first.instance, 300)).toBe(false);
  });

  it('takes the lowest free id when none is given, distinct for each node, even when they claim at once', async () => {
    const stores = await Promise.all([open(), open(), open(), open()]);
    await stores[0]!.claimNode(claim({ nodeId: 1 }));
    const ids = await Promise.all(stores.map((s) => s.claimNode(claim())));
    expect(ids.map((l) => l.nodeId).sort((x, y) => x - y)).toEqual([0, 2, 3, 4]);
  });

  it('lets exactly one of several nodes claiming one id at once win', async () => {
    const stores = await Promise.all([open(), open(), open(), open(), open()]);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(stores.map((s) => s.claimNode(claim({ nodeId: 100 + round }))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(NodeClaimError);
    }
  });

  it('refuses a node on the in-process bus beside another live node, and a node joining one on the in-process bus, naming --bus', async () => {
    const [a, b] = [await open(), await open()];
    const shared = claim({ nodeId: 1 });
    await a.claimNode(shared);
    const alone = await refusal(b.claimNode(claim({ bus: 'memory' })));
    expect(alone.setting).toBe('--bus');
    expect(alone.message).toMatch(/--bus redis:\/\//);
    await a.releaseNode(1, shared.instance);

    const memory = claim({ bus: 'memory' });
    expect(await a.claimNode(memory)).toEqual({ nodeId: 0 });
    const joining = await refusal(b.claimNode(claim({ nodeId: 5 })));
    expect(joining.setting).toBe('--bus');
    expect(joining.message).toMatch(/node id 0 .*in-process bus.*--bus/);
    await refusal(b.claimNode(claim({ bus: 'memory' })));

    // A single node on the in-process bus is fine once the other is gone.
    await a.releaseNode(0, memory.instance);
    expect(await b.claimNode(claim({ bus: 'memory', nodeId: 9 }))).toEqual({ nodeId: 9 });
  });

  it('does not let a release or renewal by another instance touch the lease', async () => {
    const [a, b] = [await open(), await open()];
    const mine = claim({ nodeId: 11 });
    await a.claimNode(mine);
    await b.releaseNode(11, 'someone-else');
    expect(await b.renewNode(11, 'someone-else', 10_000)).toBe(false);
    await refusal(b.claimNode(claim({ nodeId: 11 })));
    expect(await a.renewNode(11, mine.instance, 10_000)).toBe(true);
  });
});

describe('SqliteStore node-id lease', () => {
  it('is the given id (default 0): the file lock already means one node', async () => {
    const store = SqliteStore.open(':memory:');
    try {
      expect(await store.claimNode(claim({ bus: 'memory' }))).toEqual({ nodeId: 0 });
      expect(await store.claimNode(claim({ nodeId: 12, bus: 'memory' }))).toEqual({ nodeId: 12 });
      expect(await store.renewNode(12, 'x', 1000)).toBe(true);
      await store.releaseNode(12, 'x');
    } finally {
      await store.close();
    }
  });
});
