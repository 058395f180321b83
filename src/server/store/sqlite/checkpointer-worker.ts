import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

/**
 * The checkpointer's thread (see checkpointer.ts): a connection of its own to the database,
 * running a PASSIVE checkpoint every `everyMs` until told to stop. PASSIVE copies what it can
 * without waiting for anyone, so the serving connection's commits never wait for it.
 */
const { path, everyMs } = workerData as { path: string; everyMs: number };
const db = new SQLite(path, { fileMustExist: true });
const timer = setInterval(() => {
  db.pragma('wal_checkpoint(PASSIVE)');
}, everyMs);

parentPort!.once('message', () => {
  clearInterval(timer);
  // The last connection to close checkpoints what is left and removes the WAL file.
  db.close();
  parentPort!.close();
});
