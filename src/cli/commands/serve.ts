import { type Command, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from '../../server/config.js';
import { MAX_NODE_ID } from '../../server/snowflake.js';
import { duration, wholeNumber } from '../flag-parsers.js';
import type { ServeOptions } from '../services/serve.js';

// The parsers throw InvalidArgumentError, not UserError: commander then knows whether the value
// came from the flag or from its IM_* variable, and main.ts words the error naming that one.

/** A rate: 1000, or 0.5 (one every two seconds). */
function positiveRate(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0)) throw new InvalidArgumentError('must be a number above 0, like 1000 or 0.5');
  return n;
}

/** An empty IM_DB or IM_HOST (set but blank) would otherwise mean a temporary file or every interface. */
function nonEmpty(v: string): string {
  if (v.trim() === '') throw new InvalidArgumentError('must not be empty');
  return v;
}

// resolveConfig() refuses shorter ones too, but without knowing which flag or variable set it.
const MIN_ADMIN_TOKEN = 8;

function adminToken(v: string): string {
  if (v.length < MIN_ADMIN_TOKEN) throw new InvalidArgumentError(`must be at least ${MIN_ADMIN_TOKEN} characters (or leave it unset for a generated one)`);
  return v;
}

function redisUrl(v: string): string {
  if (!/^rediss?:\/\/[^\s]+$/i.test(v)) throw new InvalidArgumentError('must be a redis:// URL like redis://127.0.0.1:6379');
  return v;
}

function metricsToken(v: string): string {
  if (v.length < MIN_ADMIN_TOKEN) throw new InvalidArgumentError(`must be at least ${MIN_ADMIN_TOKEN} characters (or leave it unset to keep /metrics open)`);
  return v;
}

/** `{ '--port': 'IM_PORT' }` for each option whose value came from its variable. */
function setFromEnv(cmd: Command): Record<string, string> {
  return Object.fromEntries(
    cmd.options.flatMap((o) => (o.long && o.envVar && cmd.getOptionValueSource(o.attributeName()) === 'env' ? [[o.long, o.envVar]] : [])),
  );
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the IM server: HTTP API and WebSocket gateway on one port, SQLite storage')
    .addOption(new Option('-p, --port <port>', 'TCP port (0 picks a free one)').env('IM_PORT').default(7700).argParser(wholeNumber(0, 65535)))
    .addOption(new Option('--host <host>', 'interface to listen on').env('IM_HOST').default('127.0.0.1').argParser(nonEmpty))
    .addOption(new Option('--db <path|url>', 'SQLite file, :memory: for a throwaway run, or postgres://USER@HOST:PORT/DB for a cluster').env('IM_DB').default('./im.db').argParser(nonEmpty))
    .addOption(new Option('--bus <url>', 'redis://HOST:PORT[/N]: the bus of a cluster (in-process when unset)').env('IM_BUS').argParser(redisUrl))
    .addOption(new Option('--admin-token <token>', 'admin token (POST /system/send, /system/users), 8+ characters (generated when unset)').env('IM_ADMIN_TOKEN').argParser(adminToken))
    .addOption(new Option('--node-id <id>', 'Snowflake node id 0-1023, distinct per node (default: 0 on SQLite, the lowest free one on PostgreSQL)').env('IM_NODE_ID').argParser(wholeNumber(0, MAX_NODE_ID)))
    .addOption(new Option('--log-level <level>', 'log verbosity').env('IM_LOG_LEVEL').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--token-ttl <duration>', 'login token lifetime (default 7d)').env('IM_TOKEN_TTL').argParser(duration))
    .addOption(new Option('--idle-timeout <duration>', 'close silent connections after (default 60s)').env('IM_IDLE_TIMEOUT').argParser(duration))
    .addOption(new Option('--rate-burst <n>', 'SENDs a user may burst (default 500)').env('IM_RATE_BURST').argParser(wholeNumber(1)))
    .addOption(new Option('--rate-limit <n>', 'sustained SENDs per second per user, 0.5 for one every 2 s (default 1000)').env('IM_RATE_LIMIT').argParser(positiveRate))
    .addOption(new Option('--read-limit <rows>', 'messages per second a user may read by SYNC/HISTORY, and burst (default 5000)').env('IM_READ_LIMIT').argParser(wholeNumber(1)))
    .addOption(new Option('--max-content <bytes>', 'largest message content in UTF-8 bytes of JSON (default 65536)').env('IM_MAX_CONTENT').argParser(wholeNumber(1, 1_048_576)))
    .addOption(new Option('--max-devices <n>', 'devices one user may connect at once (default 10)').env('IM_MAX_DEVICES').argParser(wholeNumber(1)))
    .addOption(new Option('--metrics-token <token>', 'require this Bearer token on GET /metrics, 8+ characters (open when unset)').env('IM_METRICS_TOKEN').argParser(metricsToken))
    .addOption(new Option('--json', 'print the ready banner as one JSON line on stdout (logs stay on stderr)'))
    .addHelpText(
      'after',
      `
Every option but --json can also be set with the IM_* variable shown next to it; a flag wins.
Exit status: 0 stopped cleanly · 1 could not start (port in use, database locked, node id taken…) · 2 bad flag or IM_* value.

Examples:
  $ im serve                                  # ./im.db on http://127.0.0.1:7700
  $ im serve --db :memory: --port 0           # throwaway server on a free port
  $ im serve --idle-timeout 10m               # keep idle wscat sessions open for the README tour
  $ im serve --db :memory: --port 0 --json    # ready line as JSON: {"event":"listening","httpUrl":…}
  $ IM_ADMIN_TOKEN=secret-admin im serve --host 0.0.0.0 --log-level debug
  $ im serve --metrics-token scrape-secret --max-devices 4   # guarded /metrics, 4 devices per user`,
    )
    .action(async (flags: Omit<ServeOptions, 'fromEnv' | 'json'> & { json?: boolean }, cmd: Command) =>
      // Loaded on use, as in every command: `im serve` never loads the chat UI or the runner.
      (await import('../services/serve.js')).runServe({ ...flags, json: flags.json === true, fromEnv: setFromEnv(cmd) }),
    );
}
