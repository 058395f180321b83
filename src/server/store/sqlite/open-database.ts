import { chmodSync, closeSync, openSync, rmSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { applyMigrations } from './migrations.js';
import { startCheckpointer } from './checkpointer.js';
import { StoreOpenError } from './store-open-error.js';

/** The serving connection's own checkpoint interval, used when the checkpointer cannot run. */
const AUTOCHECKPOINT_PAGES = 10_000;

/**
 * How long a statement waits for a lock. Only the checkpointer's connection shares the file, and
 * PASSIVE checkpoints take no lock a commit waits for; another process is refused at open.
 */
const BUSY_TIMEOUT_MS = 100;

/** The serving connection to a database file, with what keeps it the file's only writer. */
export interface OpenDatabase {
  readonly db: Database;
  /** Closes the connection, stops the checkpointer and lets another process open the file. */
  close(): void;
}

/**
 * Opens (creating if needed) the database at `path`, takes the writer's lock, configures it,
 * migrates the schema to this build's version and starts its checkpointer.
 * @throws StoreOpenError naming the file and the fix for every failure a user can cause.
 */
export function openDatabase(path: string): OpenDatabase {
  if (path === ':memory:' || path === '') return openInMemory(path);
  let lock: Database | undefined;
  let db: Database | undefined;
  const lockPath = `${path}-lock`;
  let lockCreated = false;
  try {
    ownerOnly(path);
    lockCreated = createOwnerOnly(lockPath);
    lock = holdWriterLock(lockPath);
    db = new SQLite(path, { timeout: BUSY_TIMEOUT_MS });
    configure(db);
    applyMigrations(db, path);
    // The thread checkpoints from now on; should it fail, this connection does it again itself.
    db.pragma('wal_autocheckpoint = 0');
    const serving = db;
    const checkpointer = startCheckpointer(path, () => {
      if (serving.open) serving.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    });
    const held = lock;
    return {
      db,
      close() {
        checkpointer.stop();
        serving.close();
        held.close();
      },
    };
  } catch (e) {
    db?.close();
    lock?.close();
    // Made by this attempt, for a path that turned out unusable: leave nothing behind.
    if (lockCreated) rmSync(lockPath, { force: true });
    throw e instanceof StoreOpenError ? e : explain(path, e);
  }
}

function openInMemory(path: string): OpenDatabase {
  const db = new SQLite(path);
  try {
    configure(db);
    applyMigrations(db, path);
    return { db, close: () => db.close() };
  } catch (e) {
    db.close();
    throw e instanceof StoreOpenError ? e : explain(path, e);
  }
}

/**
 * One `im serve` per file: the adapter caches counters in memory (sqlite-store.ts), which is only
 * sound while it is the file's only writer. The serving connection cannot hold SQLite's own
 * exclusive lock, since the checkpointer needs a second connection to the file, so the lock is
 * held on a companion file, `<path>-lock`: an empty SQLite database locked EXCLUSIVE by this
 * process for as long as the store is open, released by the OS if the process dies. A second
 * process gets SQLITE_BUSY here, before it touches the database.
 */
function holdWriterLock(lockPath: string): Database {
  const lock = new SQLite(lockPath, { timeout: BUSY_TIMEOUT_MS });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.pragma('journal_mode = OFF');
    // A write takes the EXCLUSIVE file lock, and in EXCLUSIVE locking mode it is never released.
    lock.exec('CREATE TABLE IF NOT EXISTS writer (held INTEGER); DELETE FROM writer; INSERT INTO writer VALUES (1)');
    return lock;
  } catch (e) {
    lock.close();
    throw e;
  }
}

/** True when this call made the file. */
function createOwnerOnly(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx', 0o600));
    return true;
  } catch {
    return false; // there already, or not creatable: opening it says what is wrong
  }
}

/**
 * The file holds the token-signing secret and every password hash, so only its owner may read
 * it: created 0600 whatever the umask, and tightened to 0600 if an older build left it readable
 * by others. SQLite gives its -wal and -shm files the database file's mode.
 */
function ownerOnly(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return; // opening it will say what is wrong
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-lock`]) {
    try {
      const { mode, uid } = statSync(file);
      if ((mode & 0o077) !== 0 && uid === process.getuid?.()) chmodSync(file, mode & 0o700);
    } catch {
      // absent, or not ours to change: leave it as it is
    }
  }
}

function configure(db: Database): void {
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a commit is in the WAL (in the OS page cache) when it returns, so it survives
  // `kill -9` of the process (PROTOCOL.md §6.1); only an OS crash or power cut can lose the last
  // commits. fsync happens at checkpoints, not per commit, which is what makes thousands of
  // commits per second affordable.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  // Each commit rewrites every page it dirtied, and a message dirties a page in several
  // indexes (inbox by user, seq by conversation, clientMsgId by sender). A bigger page cache
  // and a checkpoint every ~40 MB of WAL (instead of 4 MB) let hot pages be written to the main
  // file once per checkpoint instead of once per commit: about 1.5-2x the append throughput,
  // for a WAL file of tens of MB. (A file's checkpoints run in their own thread: checkpointer.ts.)
  db.pragma('cache_size = -65536');
  db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  db.pragma('journal_size_limit = 67108864');
}

function explain(path: string, e: unknown): StoreOpenError {
  const code = (e as { code?: unknown } | null)?.code;
  const reason = e instanceof Error ? e.message : String(e);
  const fail = (message: string) => new StoreOpenError(path, message, { cause: e });
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return fail(`${path} is in use by another im process (it is locked). Stop the other \`im serve\`, or give this one its own --db file.`);
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return fail(`${path} is not an im database (${reason}). Point --db at an im database or a new file.`);
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_IOERR':
    case undefined:
      return fail(`cannot open ${path} for writing (${reason}). Check that its directory exists and is writable, or choose another --db path.`);
    default:
      return fail(`cannot open ${path} (${String(code)}: ${reason}).`);
  }
}
