import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ServerOptions } from '../server/config.js';

/**
 * A scenario's throwaway server, run in a worker thread: still one process, but the server's
 * work (commits, fan-out, socket writes) runs on one core while the runner reads and checks every
 * frame on another. A 1,000-user GROUP file is a million pushes, and one thread doing both sides
 * left each waiting on the other.
 */

// From the package root, so that the built worker is found from src/ (tests) as from dist/.
const WORKER = fileURLToPath(new URL('../../dist/runner/embedded-server-worker.js', import.meta.url));

export interface EmbeddedServer {
  httpUrl: string;
  adminToken: string;
  close(): Promise<void>;
}

type WorkerAnswer = { type: 'ready'; httpUrl: string; adminToken: string } | { type: 'error'; message: string };

export async function startEmbeddedServer(options: ServerOptions): Promise<EmbeddedServer> {
  const worker = new Worker(WORKER, { workerData: options });
  const exited = once(worker, 'exit');
  const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    void exited.then(([code]) => reject(new Error(`the embedded server's thread ended (code ${String(code)}) before it was ready`)));
  });
  if (answer.type === 'error') {
    await exited;
    throw new Error(answer.message);
  }
  return {
    httpUrl: answer.httpUrl,
    adminToken: answer.adminToken,
    async close() {
      worker.postMessage('close');
      await exited;
    },
  };
}
