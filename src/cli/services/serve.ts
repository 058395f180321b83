import { createServer, type ImServer } from '../../server/create-server.js';
import { redactUrl } from '../../server/redact-url.js';
import type { LogLevel, ServerOptions } from '../../server/config.js';
import { theme } from '../theme.js';
import { UserError } from '../user-error.js';

/** `im serve`'s settings, parsed and range-checked by commands/serve.ts. */
export interface ServeOptions {
  port: number;
  host: string;
  db: string;
  bus?: string;
  adminToken?: string;
  /** Undefined: a free one on PostgreSQL, 0 on SQLite (the banner shows the one taken). */
  nodeId?: number;
  logLevel: LogLevel;
  tokenTtl?: number;
  idleTimeout?: number;
  rateBurst?: number;
  rateLimit?: number;
  readLimit?: number;
  maxDevices?: number;
  maxContent?: number;
  metricsToken?: string;
  /** Print the ready banner as one JSON line (for supervisors and scripts) instead of text. */
  json: boolean;
  /**
   * The flags whose value came from their IM_* variable, e.g. `{ '--port': 'IM_PORT' }`, so that
   * an error found only at start-up (port in use, database locked) names what the user set.
   */
  fromEnv: Readonly<Record<string, string>>;
}

/** Starts the server, prints where it listens, and shuts it down cleanly on SIGINT/SIGTERM. */
export async function runServe(opts: ServeOptions): Promise<void> {
  const options: ServerOptions = {
    port: opts.port,
    host: opts.host,
    db: opts.db,
    busUrl: opts.bus,
    adminToken: opts.adminToken,
    nodeId: opts.nodeId,
    logLevel: opts.logLevel,
    tokenTtlMs: opts.tokenTtl,
    idleTimeoutMs: opts.idleTimeout,
    rateLimit: { burst: opts.rateBurst, perSecond: opts.rateLimit },
    readRateLimit: { burst: opts.readLimit, perSecond: opts.readLimit },
    maxDevicesPerUser: opts.maxDevices,
    maxContentBytes: opts.maxContent,
    metricsToken: opts.metricsToken,
  };
  const server = await createServer(options).catch((e: unknown) => {
    throw blameTheSetting(e, opts.fromEnv);
  });
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
  void server.failed.then((e) => {
    process.stderr.write(`${theme.error('im: error:')} ${e.message}\n`);
    process.exit(1);
  });
  process.stdout.write(opts.json ? readyJson(server, opts) : readyBanner(server, opts));
}

function readyBanner(server: ImServer, opts: ServeOptions): string {
  return [
    `im listening on ${server.httpUrl} (${server.wsUrl})`,
    `  ${theme.label('database')}  ${opts.db === ':memory:' ? ':memory: (nothing is kept after exit)' : redactUrl(opts.db)}`,
    ...(opts.bus === undefined ? [] : [`  ${theme.label('bus')}       ${redactUrl(opts.bus)}`]),
    `  ${theme.label('node id')}   ${server.nodeId}`,
    `  ${theme.label('admin')}     ${theme.value(server.adminToken)}  (Bearer token for POST /openapi/v1/system/send and /system/users)`,
    `  ${theme.label('stop')}      Ctrl-C`,
    '',
  ].join('\n');
}

/** One line, so a supervisor can read the first line of stdout and know where to connect. */
function readyJson(server: ImServer, opts: ServeOptions): string {
  const ready = {
    event: 'listening',
    httpUrl: server.httpUrl,
    wsUrl: server.wsUrl,
    host: opts.host,
    port: server.port,
    db: redactUrl(opts.db),
    ...(opts.bus === undefined ? {} : { bus: redactUrl(opts.bus) }),
    nodeId: server.nodeId,
    adminToken: server.adminToken,
  };
  return `${JSON.stringify(ready)}\n`;
}

/**
 * The server's start-up errors name the flag (`--port`, `--db`); when the value came from an IM_*
 * variable, a user who never typed that flag would look for it in vain, so name the variable.
 */
function blameTheSetting(e: unknown, fromEnv: Readonly<Record<string, string>>): unknown {
  if (!(e instanceof Error) || !['ListenError', 'StoreOpenError', 'RedisBusError', 'NodeClaimError'].includes(e.name)) return e;
  let message = e.message;
  // Network stores and buses say what failed but not which setting named them.
  if (e.name === 'RedisBusError' && !/--bus\b/.test(message)) message = `--bus: ${message}`;
  if (e.name === 'StoreOpenError' && /postgres(ql)?:\/\//i.test(message) && !/--db\b/.test(message)) message = `--db: ${message}`;
  for (const [flag, variable] of Object.entries(fromEnv)) {
    message = message.replace(new RegExp(`(?<![\\w-])${flag}(?![\\w-])`, 'g'), variable);
  }
  if (e.name === 'ListenError' && !/--(host|port)\b|IM_(HOST|PORT)\b/.test(message)) {
    message += ` (check ${fromEnv['--host'] ?? '--host'} and ${fromEnv['--port'] ?? '--port'})`;
  }
  return message === e.message ? e : new UserError(message);
}
