import type { Database } from 'better-sqlite3';
import { StoreOpenError } from './store-open-error.js';

/**
 * One step of the schema. Steps are append-only: never edit a released one, add the next
 * version instead, so a database created by any earlier build still opens.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

/**
 * Notes on the shape (see also sqlite-store.ts):
 * - Counters are not columns: a conversation's maxSeq is MAX(seq) over UNIQUE(conv_id, seq) and a
 *   user's pts is MAX(pts) over the inbox primary key, so they can never disagree with the rows
 *   and a commit writes no counter row.
 * - `members` holds everyone who sees a conversation in their list, with their read state: group
 *   members (role, muted) and the participants of SINGLE/STRANGER/SYSTEM conversations.
 * - No foreign keys to `users`: the reserved sender `system` has no account.
 * - `messages.conv_type` is denormalised (immutable) so pages render without a join.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'users, social graph, groups, conversations, messages, inboxes',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE users (
          user_id         TEXT PRIMARY KEY,
          password_hash   TEXT NOT NULL,
          nickname        TEXT NOT NULL,
          allow_strangers INTEGER NOT NULL DEFAULT 1,
          created_at      INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- "user_id added friend_id"; friends when both directions exist.
        CREATE TABLE friend_requests (
          user_id    TEXT NOT NULL,
          friend_id  TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (user_id, friend_id)
        ) WITHOUT ROWID;
        CREATE INDEX friend_requests_by_friend ON friend_requests (friend_id, user_id);

        CREATE TABLE blocks (
          user_id    TEXT NOT NULL,
          blocked_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (user_id, blocked_id)
        ) WITHOUT ROWID;

        CREATE TABLE conversations (
          conv_id    TEXT PRIMARY KEY,
          conv_type  INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE groups (
          group_id   TEXT PRIMARY KEY,
          conv_id    TEXT NOT NULL UNIQUE REFERENCES conversations (conv_id),
          type       INTEGER NOT NULL,
          name       TEXT NOT NULL,
          owner      TEXT NOT NULL,
          policy     TEXT,
          created_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE members (
          conv_id   TEXT NOT NULL REFERENCES conversations (conv_id),
          user_id   TEXT NOT NULL,
          role      TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
          muted     INTEGER NOT NULL DEFAULT 0,
          read_seq  INTEGER NOT NULL DEFAULT 0,
          joined_at INTEGER NOT NULL,
          PRIMARY KEY (conv_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX members_by_user ON members (user_id);

        CREATE TABLE messages (
          msg_id        INTEGER PRIMARY KEY,
          conv_id       TEXT NOT NULL REFERENCES conversations (conv_id),
          seq           INTEGER NOT NULL,
          conv_type     INTEGER NOT NULL,
          msg_type      INTEGER NOT NULL,
          from_user     TEXT NOT NULL,
          to_target     TEXT NOT NULL,
          content       TEXT NOT NULL,
          send_time     INTEGER NOT NULL,
          client_msg_id TEXT,
          sender_pts    INTEGER,
          UNIQUE (conv_id, seq)
        );
        CREATE UNIQUE INDEX messages_by_client_msg_id
          ON messages (from_user, client_msg_id) WHERE client_msg_id IS NOT NULL;

        CREATE TABLE inbox (
          user_id TEXT NOT NULL,
          pts     INTEGER NOT NULL,
          msg_id  INTEGER NOT NULL REFERENCES messages (msg_id),
          PRIMARY KEY (user_id, pts)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'token revocation: a generation per user (bumped by a password change) and revoked tokens',
    up(db) {
      db.exec(`
        ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;

        -- Logged-out tokens until they would have expired anyway; keyed by a hash, never the token.
        CREATE TABLE revoked_tokens (
          token_hash TEXT PRIMARY KEY,
          user_id    TEXT NOT NULL,
          expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
      `);
    },
  },
  {
    version: 3,
    description: 'membership version per group: raised with every commit that adds or removes members',
    up(db) {
      // Groups made before this step start at 0; new ones at 1 (their creation is a change).
      db.exec('ALTER TABLE groups ADD COLUMN member_version INTEGER NOT NULL DEFAULT 0;');
    },
  },
];

export const LATEST_VERSION = latestOf(MIGRATIONS);

function latestOf(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

/**
 * Brings the database at `path` to the last version of `migrations`, all pending steps in one
 * transaction (a failing step leaves the file as it was). The version lives in PRAGMA
 * user_version, which is part of the same transaction. Returns the versions applied.
 * @throws StoreOpenError when the file's version is newer than the newest step known here.
 */
export function applyMigrations(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = latestOf(migrations);
  if (current > latest) {
    throw new StoreOpenError(
      path,
      `${path} has schema version ${current}, but this build of im only knows up to version ${latest}: ` +
        `it was written by a newer im. Upgrade im to a version that knows schema ${current}, or point --db at another file.`,
    );
  }
  const pending = migrations.filter((m) => m.version > current);
  db.transaction(() => {
    for (const m of pending) {
      m.up(db);
      // A pragma cannot take a bound parameter; the version is an integer from this file.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    }
  })();
  return pending.map((m) => m.version);
}
