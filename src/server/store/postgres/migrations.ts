import type { PoolClient } from 'pg';
import { StoreOpenError } from '../sqlite/store-open-error.js';

/**
 * One step of the PostgreSQL schema. Append-only, as in SQLite: never edit a released step, add
 * the next version instead.
 */
export interface PgMigration {
  version: number;
  description: string;
  /** SQL run inside the migration transaction; constant text from this file, never user input. */
  sql: string;
}

/**
 * Notes on the shape (docs/architecture.md §5, "The PostgreSQL adapter"):
 * - Unlike SQLite, the counters ARE rows: `conversations.max_seq` and `user_pts.pts`. Several
 *   nodes write the same database, so the counter must be a row that a transaction locks and
 *   advances together with the message rows; nothing is cached between transactions.
 * - Ids are `TEXT COLLATE "C"`: byte order, as SQLite compares them, whatever the database's
 *   locale, and the same canonical lock order on every node.
 * - msgIds are BIGINT (a Snowflake is a signed 64-bit integer); the adapter reads them as text.
 * - `content` is the JSON text as sent (TEXT, not jsonb, which would reorder keys).
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'users, tokens, social graph, groups, conversations with max_seq, messages, inboxes, pts counters',
    sql: `
      CREATE TABLE meta (
        key   TEXT COLLATE "C" PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE users (
        user_id          TEXT COLLATE "C" PRIMARY KEY,
        password_hash    TEXT NOT NULL,
        nickname         TEXT NOT NULL,
        allow_strangers  BOOLEAN NOT NULL DEFAULT TRUE,
        token_generation INTEGER NOT NULL DEFAULT 0,
        created_at       BIGINT NOT NULL
      );

      CREATE TABLE revoked_tokens (
        token_hash TEXT COLLATE "C" PRIMARY KEY,
        user_id    TEXT COLLATE "C" NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

      CREATE TABLE friend_requests (
        user_id    TEXT COLLATE "C" NOT NULL,
        friend_id  TEXT COLLATE "C" NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, friend_id)
      );
      CREATE INDEX friend_requests_by_friend ON friend_requests (friend_id, user_id);

      CREATE TABLE blocks (
        user_id    TEXT COLLATE "C" NOT NULL,
        blocked_id TEXT COLLATE "C" NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, blocked_id)
      );
      CREATE INDEX blocks_by_blocked ON blocks (blocked_id, user_id);

      CREATE TABLE conversations (
        conv_id    TEXT COLLATE "C" PRIMARY KEY,
        conv_type  INTEGER NOT NULL,
        max_seq    BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE groups (
        group_id   TEXT COLLATE "C" PRIMARY KEY,
        conv_id    TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES conversations (conv_id),
        type       INTEGER NOT NULL,
        name       TEXT NOT NULL,
        owner      TEXT COLLATE "C" NOT NULL,
        policy     TEXT,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE members (
        conv_id   TEXT COLLATE "C" NOT NULL REFERENCES conversations (conv_id),
        user_id   TEXT COLLATE "C" NOT NULL,
        role      TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
        muted     BOOLEAN NOT NULL DEFAULT FALSE,
        read_seq  BIGINT NOT NULL DEFAULT 0,
        joined_at BIGINT NOT NULL,
        PRIMARY KEY (conv_id, user_id)
      );
      CREATE INDEX members_by_user ON members (user_id);

      CREATE TABLE messages (
        msg_id        BIGINT PRIMARY KEY,
        conv_id       TEXT COLLATE "C" NOT NULL REFERENCES conversations (conv_id),
        seq           BIGINT NOT NULL,
        conv_type     INTEGER NOT NULL,
        msg_type      INTEGER NOT NULL,
        from_user     TEXT COLLATE "C" NOT NULL,
        to_target     TEXT COLLATE "C" NOT NULL,
        content       TEXT NOT NULL,
        send_time     BIGINT NOT NULL,
        client_msg_id TEXT COLLATE "C",
        sender_pts    BIGINT,
        UNIQUE (conv_id, seq)
      );
      CREATE UNIQUE INDEX messages_by_client_msg_id
        ON messages (from_user, client_msg_id) WHERE client_msg_id IS NOT NULL;

      -- A user's pts counter: locked and advanced in the transaction that adds their inbox rows.
      CREATE TABLE user_pts (
        user_id TEXT COLLATE "C" PRIMARY KEY,
        pts     BIGINT NOT NULL
      );

      CREATE TABLE inbox (
        user_id TEXT COLLATE "C" NOT NULL,
        pts     BIGINT NOT NULL,
        msg_id  BIGINT NOT NULL REFERENCES messages (msg_id),
        PRIMARY KEY (user_id, pts)
      );
    `,
  },
  {
    version: 2,
    description: 'nodes: the lease on each live node\'s Snowflake node id and the kind of bus it runs with',
    sql: `
      -- One row per node id that a node holds or held; a row whose expires_at has passed (by the
      -- database clock, in ms since the epoch) is free. Written only under NODES_LOCK_KEY.
      CREATE TABLE nodes (
        node_id    INTEGER PRIMARY KEY CHECK (node_id BETWEEN 0 AND 1023),
        instance   TEXT NOT NULL,
        bus        TEXT NOT NULL CHECK (bus IN ('memory', 'redis')),
        expires_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'presence: the open connections of every node, for the cluster-wide device cap',
    sql: `
      -- conn_id is "<nodeId>.<n>", unique per instance; a row counts only while (node_id,
      -- instance) holds a live lease in nodes, and goes when that node id is claimed again.
      CREATE TABLE presence (
        conn_id   TEXT NOT NULL,
        instance  TEXT NOT NULL,
        node_id   INTEGER NOT NULL,
        user_id   TEXT NOT NULL,
        device_id TEXT NOT NULL,
        PRIMARY KEY (instance, conn_id)
      );
      CREATE INDEX presence_user ON presence (user_id);
    `,
  },
  {
    version: 4,
    description: 'membership version per group: raised in every transaction that adds or removes members',
    sql: `
      -- Each node's fan-out cache holds a group's member ids by this version; a message names the
      -- version its sender saw, so a node holding an older list reads it again. Groups made before
      -- this step start at 0, new ones at 1.
      ALTER TABLE groups ADD COLUMN member_version INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    description: 'no foreign keys from messages to conversations and from inbox to messages',
    sql: `
      -- Each was a lookup and a row lock per inserted row (three per one-to-one message): about a
      -- fifth of the database CPU of an append (55 against 43 µs per message, batches of 100).
      -- The one append transaction writes both sides (it creates or locks the conversation row
      -- before the messages, and the messages before their inbox rows) and nothing deletes them,
      -- so the keys guarded nothing it does not.
      ALTER TABLE messages DROP CONSTRAINT messages_conv_id_fkey;
      ALTER TABLE inbox DROP CONSTRAINT inbox_msg_id_fkey;
    `,
  },
];

export const PG_LATEST_VERSION = PG_MIGRATIONS.at(-1)?.version ?? 0;

/**
 * A constant key for pg_advisory_xact_lock: every node that opens the database takes it around
 * the migration, so two nodes starting at once migrate one after the other (the second finds
 * nothing to do).
 */
const MIGRATION_LOCK_KEY = 7_104_991_263_551_000_001n;

/**
 * Brings the database to the last version of `migrations`: all pending steps and the new version
 * in one transaction under the advisory lock. Returns the versions applied.
 * @throws StoreOpenError when the database's version is newer than this build knows.
 */
export async function applyPgMigrations(
  client: PoolClient,
  where: string,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number[]> {
  const latest = migrations.at(-1)?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS im_schema (
         id      INTEGER PRIMARY KEY CHECK (id = 1),
         version INTEGER NOT NULL
       )`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM im_schema WHERE id = 1');
    const current = rows[0]?.version ?? 0;
    if (current > latest) {
      throw new StoreOpenError(
        where,
        `${where} has schema version ${current}, but this build of im only knows up to version ${latest}: ` +
          `it was written by a newer im. Upgrade im to a version that knows schema ${current}, or point --db at another database.`,
      );
    }
    const pending = migrations.filter((m) => m.version > current);
    for (const m of pending) await client.query(m.sql);
    if (pending.length > 0) {
      await client.query(
        'INSERT INTO im_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version',
        [latest],
      );
    }
    await client.query('COMMIT');
    return pending.map((m) => m.version);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
