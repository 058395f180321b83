import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

// From the package root, so that the built worker is found from src/ (tests) as from dist/.
const WORKER = fileURLToPath(new URL('../../../../dist/server/store/sqlite/checkpointer-worker.js', import.meta.url));

/** How often the thread moves committed WAL pages into the database file. */
export const CHECKPOINT_EVERY_MS = 200;

export interface Checkpointer {
  /** Asks the thread to close its connection and end; returns at once. */
  stop(): void;
}

/**
 * WAL checkpoints in a thread of their own, on a second connection to the file. A checkpoint
 * copies the pages committed since the last one into the database file and fsyncs it: tens of
 * ms, and over 150 ms on a slow disk. Run by the serving connection (SQLite's autocheckpoint) it
 * froze every socket of the server that long, every second or so under load; here it runs beside
 * the commits (PASSIVE never blocks the writer). `onFailure` is told if the thread cannot run,
 * so the serving connection can checkpoint for itself again.
 */
export function startCheckpointer(path: string, onFailure: (e: Error) => void): Checkpointer {
  const worker = new Worker(WORKER, { workerData: { path, everyMs: CHECKPOINT_EVERY_MS } });
  // Never what keeps the process alive: the store's own close stops it.
  worker.unref();
  let stopped = false;
  worker.on('error', (e) => {
    if (!stopped) onFailure(e);
  });
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage('stop');
    },
  };
}
