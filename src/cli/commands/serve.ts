import { type Command, Option } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../../server/config.js';
import { runServe } from '../services/serve.js';
import { UserError } from '../user-error.js';

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new UserError(`${name} must be a whole number, got "${v}"`);
    return Number(v);
  };
}

function duration(name: string) {
  return (v: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v);
    if (!m) throw new UserError(`${name} must be a duration like 500ms, 60s, 15m, 7d; got "${v}"`);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
    return Math.round(Number(m[1]) * unit);
  };
}

export interface ServeOptions {
  port: number;
  host: string;
  db: string;
  adminToken?: string;
  nodeId: number;
  logLevel: LogLevel;
  tokenTtl?: number;
  idleTimeout?: number;
  rateBurst?: number;
  rateLimit?: number;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the IM server: HTTP API and WebSocket gateway on one port, SQLite storage')
    .addOption(new Option('-p, --port <port>', 'TCP port (0 picks a free one)').env('IM_PORT').default(7700).argParser(int('--port')))
    .addOption(new Option('--host <host>', 'interface to listen on').env('IM_HOST').default('127.0.0.1'))
    .addOption(new Option('--db <path>', 'SQLite file, or :memory: for a throwaway run').env('IM_DB').default('./im.db'))
    .addOption(new Option('--admin-token <token>', 'token for POST /system/send (generated when unset)').env('IM_ADMIN_TOKEN'))
    .addOption(new Option('--node-id <id>', 'Snowflake node id, 0-1023, distinct per node').env('IM_NODE_ID').default(0).argParser(int('--node-id')))
    .addOption(new Option('--log-level <level>', 'log verbosity').env('IM_LOG_LEVEL').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--token-ttl <duration>', 'login token lifetime (default 7d)').env('IM_TOKEN_TTL').argParser(duration('--token-ttl')))
    .addOption(new Option('--idle-timeout <duration>', 'close silent connections after (default 60s)').env('IM_IDLE_TIMEOUT').argParser(duration('--idle-timeout')))
    .addOption(new Option('--rate-burst <n>', 'SENDs a user may burst (default 500)').env('IM_RATE_BURST').argParser(int('--rate-burst')))
    .addOption(new Option('--rate-limit <n>', 'sustained SENDs per second per user (default 1000)').env('IM_RATE_LIMIT').argParser(int('--rate-limit')))
    .addHelpText(
      'after',
      `
Every option can also be set with the IM_* variable shown next to it.

Examples:
  $ im serve                                  # ./im.db on http://127.0.0.1:7700
  $ im serve --db :memory: --port 0           # throwaway server on a free port
  $ IM_ADMIN_TOKEN=secret-admin im serve --host 0.0.0.0 --log-level debug`,
    )
    .action(async (opts: ServeOptions) => runServe(opts));
}
