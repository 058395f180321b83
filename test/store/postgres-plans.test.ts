import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/server/create-server.js';
import { createLogger } from '../../src/server/logger.js';
import { STORED_STAMPS } from '../../src/server/store/postgres/message-queries.js';
import { PAIR_RELATIONS, PostgresStore } from '../../src/server/store/postgres/postgres-store.js';
import { PG_URL, createTestDatabase, type TestDatabase } from '../helpers/cluster-services.js';

/**
 * The lookups made for every SEND are prepared statements, and PostgreSQL keeps the plan it chose
 * on their first calls, when a fresh cluster's tables were empty and a scan of the whole table was
 * cheapest. Without statistics (autovacuum off, or before its first ANALYZE) nothing replaces
 * that plan as the tables grow. The statements must therefore probe the indexes whatever the
 * planner knows: prepared on empty tables, then run on full ones, no plan scans a table.
 */
describe.skipIf(!PG_URL)('PostgreSQL hot lookups prepared on empty tables', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase(PG_URL!);
    await (await PostgresStore.open(db.url)).close(); // the schema
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // The plan PostgreSQL keeps is a generic one, made without knowing the data: use it from the start.
    await client.query('SET plan_cache_mode = force_generic_plan');
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  /** Prepares `sql`, runs it on the empty tables, fills them, and returns the plan it then uses. */
  async function planAfterGrowth(name: string, sql: string, args: [string[], string[]], fill: string): Promise<string> {
    await client.query(`PREPARE ${name} AS ${sql}`);
    const params = args.map((a) => `ARRAY[${a.map((v) => `'${v}'`).join(',')}]::text[]`).join(', ');
    for (let i = 0; i < 8; i++) await client.query(`EXECUTE ${name}(${params})`);
    await client.query(fill);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}(${params})`);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it('the one-to-one filter probes users, blocks and friend_requests by key', async () => {
    const plan = await planAfterGrowth(
      'pair_relations',
      PAIR_RELATIONS,
      [['u1', 'u2'], ['u2', 'u3']],
      `INSERT INTO users (user_id, password_hash, nickname, created_at) SELECT 'u' || g, 'x', 'n', 0 FROM generate_series(1, 20000) g;
       INSERT INTO friend_requests (user_id, friend_id, created_at) SELECT 'u' || g, 'u' || (g + 1), 0 FROM generate_series(1, 20000) g;
       INSERT INTO blocks (user_id, blocked_id, created_at) SELECT 'u' || g, 'u' || (g + 2), 0 FROM generate_series(1, 20000) g;`,
    );
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toMatch(/users_pkey/);
  });

  it('the dedupe stage and the append probe messages by (from, clientMsgId)', async () => {
    const plan = await planAfterGrowth(
      'stored_stamps',
      STORED_STAMPS,
      [['u1', 'u2'], ['c1', 'c2']],
      `INSERT INTO messages (msg_id, conv_id, seq, conv_type, msg_type, from_user, to_target, content, send_time, client_msg_id)
       SELECT g, 'single:u' || (g % 500) || ':x', g, 1, 1, 'u' || (g % 500), 'x', '{}', 0, 'c' || g FROM generate_series(1, 50000) g;`,
    );
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toMatch(/messages_by_client_msg_id/);
  });

  it('a node warns once it is up, naming the fix, when autovacuum is off, and only then', async () => {
    const lines: string[] = [];
    const server = await createServer({ db: db.url, port: 0, host: '127.0.0.1', logger: createLogger('info', (line) => lines.push(line)) });
    await server.close();
    const { rows } = await client.query<{ setting: string }>("SELECT current_setting('autovacuum') AS setting");
    const warned = lines.filter((l) => l.includes('autovacuum is off'));
    if (rows[0]?.setting === 'on') expect(warned).toEqual([]);
    else expect(warned).toEqual([expect.stringContaining('ALTER SYSTEM SET autovacuum = on')]);
  });
});
