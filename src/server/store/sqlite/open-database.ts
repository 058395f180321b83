import { chmodSync, closeSync, openSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { applyMigrations } from './migrations.js';
import { StoreOpenError } from './store-open-error.js';

/** How long a statement waits for a lock: only a second process could hold one, and it is refused. */
const BUSY_TIMEOUT_MS = 100;

/**
 * Opens (creating if needed) the database at `path`, configures it, takes the exclusive lock and
 * migrates the schema to this build's version.
 * @throws StoreOpenError naming the file and the fix for every failure a user can cause.
 */
export function openDatabase(path: string): Database {
  let db: Database | undefined;
  try {
    if (path !== ':memory:' && path !== '') ownerOnly(path);
    db = new SQLite(path, { timeout: BUSY_TIMEOUT_MS });
    configure(db);
    applyMigrations(db, path);
    return db;
  } catch (e) {
    db?.close();
    throw e instanceof StoreOpenError ? e : explain(path, e);
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
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      const { mode, uid } = statSync(file);
      if ((mode & 0o077) !== 0 && uid === process.getuid?.()) chmodSync(file, mode & 0o700);
    } catch {
      // absent, or not ours to change: leave it as it is
    }
  }
}

function configure(db: Database): void {
  // One `im serve` per file: the adapter caches counters in memory (sqlite-store.ts), which is
  // only sound while it is the file's only writer. EXCLUSIVE keeps every lock once taken, and
  // set before WAL it also keeps the WAL index in heap memory instead of a shared -shm file.
  db.pragma('locking_mode = EXCLUSIVE');
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
  // for a WAL file of tens of MB and a checkpoint pause of tens of ms.
  db.pragma('cache_size = -65536');
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('journal_size_limit = 67108864');
  // Entering WAL in EXCLUSIVE mode already locks the file; an empty write transaction makes
  // sure the write lock is ours from now on, so a second process is refused at open rather than
  // at its first message.
  db.exec('BEGIN IMMEDIATE; COMMIT');
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
