import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteStore, StoreOpenError } from '../../src/server/store/sqlite/sqlite-store.js';
import { LATEST_VERSION, MIGRATIONS, applyMigrations } from '../../src/server/store/sqlite/migrations.js';
import type { Migration } from '../../src/server/store/sqlite/migrations.js';
import { describeMessageStore } from '../conformance/message-store.js';
import { groupMessage, newGroup, pairMessage, user } from '../conformance/fixtures.js';

let dir = '';
let files = 0;
const tempFile = () => join(dir, `im-${++files}.db`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'im-sqlite-store-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeMessageStore('SqliteStore on :memory:', () => SqliteStore.open(':memory:'));
describeMessageStore('SqliteStore on a file', () => SqliteStore.open(tempFile()));

/** The schema version written in the file, read without the store. */
function fileVersion(path: string): number {
  const db = new Database(path);
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

function openError(path: string): unknown {
  try {
    SqliteStore.open(path).close();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('SqliteStore on a file', () => {
  it('runs with WAL, synchronous=NORMAL and foreign keys, locked for this process by its -lock file', async () => {
    const path = tempFile();
    const store = SqliteStore.open(path);
    expect(store.settings()).toMatchObject({
      journalMode: 'wal',
      synchronous: 1,
      foreignKeys: true,
      schemaVersion: LATEST_VERSION,
    });
    const lock = new Database(`${path}-lock`, { timeout: 0 });
    expect(() => lock.exec('BEGIN IMMEDIATE')).toThrow(/locked/);
    lock.close();
    await store.close();
  });

  it('checkpoints in its own thread: the serving connection never does, and the pages reach the file', async () => {
    const path = tempFile();
    const store = SqliteStore.open(path);
    await store.createUsers([user('alice'), user('bob')]);
    const sizeAtOpen = statSync(path).size;
    for (let i = 0; i < 20; i++) await store.appendMessages(Array.from({ length: 50 }, (_, j) => pairMessage('alice', 'bob', { content: { text: `m${i}-${j}` } })));
    // Nothing on this connection would move the WAL into the file: only the checkpointer's thread.
    expect(store.settings()).toMatchObject({ walAutocheckpoint: 0 });
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(sizeAtOpen), { timeout: 10_000, interval: 50 });
    await store.close();
  });

  it('can be read by another connection while it serves (the sqlite3 shell, say)', async () => {
    const path = tempFile();
    const store = SqliteStore.open(path);
    await store.createUsers([user('alice')]);
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('SELECT user_id FROM users').pluck().all()).toEqual(['alice']);
    reader.close();
    await store.close();
  });

  it('keeps everything across close and reopen, and counters continue without a gap', async () => {
    const path = tempFile();
    const g = newGroup('devs', 'alice', ['bob']);
    const before = SqliteStore.open(path);
    await before.createUsers([user('alice', 'Alice')]);
    await before.addFriend('alice', 'bob');
    await before.addFriend('bob', 'alice');
    await before.block('carol', 'alice');
    await before.createGroup(g);
    const secret = await before.getOrInitMeta('secret', () => 'k1');
    await before.appendMessages([
      pairMessage('alice', 'bob', { clientMsgId: 'c1' }),
      pairMessage('bob', 'alice'),
      groupMessage(g, 'bob', g.all),
    ]);
    await before.markRead('alice', 'single:alice:bob', 2);
    await before.close();

    const after = SqliteStore.open(path);
    expect((await after.getUser('alice'))?.nickname).toBe('Alice');
    expect(await after.areFriends('alice', 'bob')).toBe(true);
    expect(await after.isBlockedEitherWay('alice', 'carol')).toBe(true);
    expect(await after.getOrInitMeta('secret', () => 'k2')).toBe(secret);
    expect(await after.countMembers('devs')).toBe(2);
    expect(await after.findByClientMsgId('alice', 'c1')).toMatchObject({ seq: 1, pts: { alice: 1 } });
    expect((await after.readInbox('alice', 0, 10)).maxPts).toBe(3);
    const list = await after.listConversations('alice');
    expect(list.map((c) => [c.convId, c.readSeq, c.unread])).toEqual([
      ['group:devs', 0, 1],
      ['single:alice:bob', 2, 0],
    ]);

    const [next] = await after.appendMessages([pairMessage('alice', 'bob')]);
    expect(next).toMatchObject({ seq: 3, pts: { alice: 4, bob: 4 } });
    await after.close();
  });

  describe('migrations', () => {
    const tomorrow: Migration = {
      version: LATEST_VERSION + 1,
      description: 'a step a later build adds',
      up: (db) => db.exec('CREATE TABLE reactions (msg_id INTEGER NOT NULL, emoji TEXT NOT NULL)'),
    };

    it('lists versions 1, 2, 3, … in order', () => {
      expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
      expect(LATEST_VERSION).toBe(MIGRATIONS.length);
    });

    it('brings a new file to the latest version, and reopening applies nothing', async () => {
      const path = tempFile();
      await SqliteStore.open(path).close();
      expect(fileVersion(path)).toBe(LATEST_VERSION);
      const db = new Database(path);
      expect(applyMigrations(db, path)).toEqual([]);
      db.close();
    });

    it('gives the groups of a version-2 file membership version 0, raised by their next membership change', async () => {
      const path = tempFile();
      const db = new Database(path);
      applyMigrations(db, path, MIGRATIONS.filter((m) => m.version <= 2));
      db.exec(`INSERT INTO conversations (conv_id, conv_type, created_at) VALUES ('group:old', 2, 0);
               INSERT INTO groups (group_id, conv_id, type, name, owner, created_at) VALUES ('old', 'group:old', 2, 'Old', 'alice', 0);
               INSERT INTO members (conv_id, user_id, role, joined_at) VALUES ('group:old', 'alice', 'owner', 0);`);
      db.close();

      const store = SqliteStore.open(path);
      expect(await store.memberSnapshot('old')).toEqual({ version: 0, ids: ['alice'] });
      await store.addMembers('old', ['bob']);
      expect((await store.getGroup('old'))?.memberVersion).toBe(1);
      await store.close();
    });

    it("opens a database created today after tomorrow's migration is appended", async () => {
      const path = tempFile();
      const today = SqliteStore.open(path);
      await today.createUsers([user('alice')]);
      await today.appendMessages([pairMessage('alice', 'bob')]);
      await today.close();

      const db = new Database(path);
      expect(applyMigrations(db, path, [...MIGRATIONS, tomorrow])).toEqual([LATEST_VERSION + 1]);
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 1);
      expect(db.prepare('SELECT COUNT(*) AS n FROM reactions').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT user_id AS userId FROM users').all()).toEqual([{ userId: 'alice' }]);
      db.close();
    });

    it('leaves the file at its version when a step fails', async () => {
      const path = tempFile();
      await SqliteStore.open(path).close();
      const broken: Migration = {
        version: LATEST_VERSION + 1,
        description: 'fails half way',
        up: (db) => {
          db.exec('CREATE TABLE half (x)');
          throw new Error('step failed');
        },
      };
      const db = new Database(path);
      expect(() => applyMigrations(db, path, [...MIGRATIONS, broken])).toThrow('step failed');
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
      db.close();
    });

    it('refuses a database written by a newer im, naming the file, the versions and the fix', async () => {
      const path = tempFile();
      await SqliteStore.open(path).close();
      const db = new Database(path);
      db.pragma(`user_version = ${LATEST_VERSION + 1}`);
      db.close();

      const e = openError(path);
      expect(e).toBeInstanceOf(StoreOpenError);
      const message = (e as Error).message;
      expect(message).toContain(path);
      expect(message).toContain(`version ${LATEST_VERSION + 1}`);
      expect(message).toContain(`version ${LATEST_VERSION}`);
      expect(message).toMatch(/upgrade im/i);
      expect(fileVersion(path)).toBe(LATEST_VERSION + 1);
    });
  });

  describe('refusing to open', () => {
    it('a path whose directory does not exist', () => {
      const e = openError('/proc/nonexistent/x.db');
      expect(e).toBeInstanceOf(StoreOpenError);
      expect((e as StoreOpenError).message).toContain('/proc/nonexistent/x.db');
      expect((e as StoreOpenError).path).toBe('/proc/nonexistent/x.db');
    });

    it('a path in a directory where no file can be created, even by root', () => {
      const e = openError('/proc/im-test.db');
      expect(e).toBeInstanceOf(StoreOpenError);
      expect((e as StoreOpenError).message).toContain('/proc/im-test.db');
    });

    it.skipIf(process.getuid?.() === 0)('a path inside a read-only directory', () => {
      const ro = join(dir, 'read-only');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      try {
        expect(openError(join(ro, 'x.db'))).toBeInstanceOf(StoreOpenError);
      } finally {
        chmodSync(ro, 0o755);
      }
    });

    it('a directory', () => {
      expect(openError(dir)).toBeInstanceOf(StoreOpenError);
    });

    it('a file that is not a database', () => {
      const path = tempFile();
      writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
      const e = openError(path);
      expect(e).toBeInstanceOf(StoreOpenError);
      expect((e as Error).message).toMatch(/not an im database/);
    });

    it('a file another store holds open, until that one closes', async () => {
      const path = tempFile();
      await SqliteStore.open(path).close();
      const first = SqliteStore.open(path);

      const e = openError(path);
      expect(e).toBeInstanceOf(StoreOpenError);
      expect((e as Error).message).toMatch(/in use by another im process/);
      expect(await first.getUser('alice')).toBeUndefined();

      await first.close();
      const second = SqliteStore.open(path);
      await expect(second.ping()).resolves.toBeUndefined();
      await second.close();
    });
  });
});
