import { createServer } from '../../server/create-server.js';
import type { ServerOptions } from '../../server/config.js';
import type { ServeOptions } from '../commands/serve.js';
import { theme } from '../theme.js';

/** Starts the server, prints where it listens, and shuts it down cleanly on SIGINT/SIGTERM. */
export async function runServe(opts: ServeOptions): Promise<void> {
  const options: ServerOptions = {
    port: opts.port,
    host: opts.host,
    db: opts.db,
    adminToken: opts.adminToken,
    nodeId: opts.nodeId,
    logLevel: opts.logLevel,
    tokenTtlMs: opts.tokenTtl,
    idleTimeoutMs: opts.idleTimeout,
    rateLimit: { burst: opts.rateBurst, perSecond: opts.rateLimit },
  };
  if (options.rateLimit) options.rateLimit = Object.fromEntries(Object.entries(options.rateLimit).filter(([, v]) => v !== undefined));
  const server = await createServer(options);
  // Handlers first: a supervisor may signal as soon as it reads the ready line.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${theme.warn('im: second')} ${signal}: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`im: ${signal}: shutting down (finishing in-flight requests)\n`);
    server.close().then(
      () => {
        process.stderr.write('im: stopped\n');
        process.exit(0);
      },
      (e: unknown) => {
        process.stderr.write(`${theme.error('im: error while stopping:')} ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const out = process.stdout;
  out.write(`im listening on ${server.httpUrl} (${server.wsUrl})\n`);
  out.write(`  ${theme.label('database')}  ${opts.db === ':memory:' ? ':memory: (nothing is kept after exit)' : opts.db}\n`);
  out.write(`  ${theme.label('node id')}   ${opts.nodeId}\n`);
  out.write(`  ${theme.label('admin')}     ${theme.value(server.adminToken)}  (Bearer token for POST /openapi/v1/system/send)\n`);
  out.write(`  ${theme.label('stop')}      Ctrl-C\n`);
}

