import { startRelay } from './relay-server.js';

/**
 * The relay as its own process, started by `im bench` beside the server under test so that its
 * CPU and memory are measured alike. Prints one line, `relay listening on http://…`, then serves
 * until SIGTERM.
 */
const relay = await startRelay({ host: '127.0.0.1', port: 0 });
process.stdout.write(`relay listening on ${relay.httpUrl}\n`);
process.once('SIGTERM', () => {
  void relay.close().finally(() => process.exit(0));
});
