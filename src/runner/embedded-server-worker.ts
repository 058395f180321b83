import { parentPort, workerData } from 'node:worker_threads';
import type { ServerOptions } from '../server/config.js';
import { createServer } from '../server/create-server.js';

/**
 * The embedded server of a scenario run, in a worker thread of the runner's process (see
 * embedded-server.ts). Answers `{type: 'ready', httpUrl, adminToken}` or `{type: 'error',
 * message}`; on any message from the runner, closes the server and lets the thread end.
 */
const port = parentPort!;
try {
  const server = await createServer(workerData as ServerOptions);
  port.postMessage({ type: 'ready', httpUrl: server.httpUrl, adminToken: server.adminToken });
  port.once('message', () => {
    void server.close().finally(() => port.close());
  });
} catch (e) {
  port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  port.close();
}
