import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { exitWith, usageExit } from '../command-exits.js';
import { REPORTER_NAMES, type ReporterName } from '../../runner/reporters/index.js';
import { USAGE } from '../services/collect-files.js';
import { serverUrls } from '../flag-parsers.js';
import { theme } from '../theme.js';
import { UserError } from '../user-error.js';

const DEFAULT_PATHS = ['scenarios/'];
const DEFAULT_JOBS = Math.min(4, availableParallelism());
const MAX_SEED = 2 ** 32 - 1;

function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new UserError(`${flag} must be a whole number from ${min} to ${max}, got "${v}"`, USAGE);
    return n;
  };
}

function duration(flag: string) {
  return (v: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v);
    const ms = m ? Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 'ms') as 'ms']) : 0;
    if (!m || ms <= 0) throw new UserError(`${flag} must be a duration like 500ms, 5s, 1m; got "${v}"`, USAGE);
    return ms;
  };
}

/** `text` matches as a case-insensitive substring; `/re/flags` as a regular expression. */
function filter(v: string): RegExp {
  const re = /^\/(.+)\/([a-z]*)$/.exec(v);
  if (!re) return new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  try {
    return new RegExp(re[1] ?? '', re[2]);
  } catch (e) {
    throw new UserError(`--filter ${v} is not a valid regular expression (${(e as Error).message}): fix it, or give plain text to match as it is`, USAGE);
  }
}

const MAX_CLUSTER_NODES = 16;

function postgresUrl(v: string): string {
  if (!/^postgres(ql)?:\/\/\S+$/i.test(v)) throw new UserError(`--db must be a postgres:// URL like postgres://postgres@127.0.0.1:5432/im, got "${v}"`, USAGE);
  return v;
}

function redisUrl(v: string): string {
  if (!/^rediss?:\/\/\S+$/i.test(v)) throw new UserError(`--bus must be a redis:// URL like redis://127.0.0.1:6379, got "${v}"`, USAGE);
  return v;
}

/** --cluster needs both engines; --db/--bus mean nothing without it. */
function clusterOf(flags: RunFlags): { nodes: number; db: string; bus: string } | undefined {
  if (flags.cluster === undefined) {
    if (flags.db !== undefined || flags.bus !== undefined) {
      throw new UserError(`--${flags.db !== undefined ? 'db' : 'bus'} is for the nodes --cluster N starts: add --cluster 3 (or drop it and use --server)`, USAGE);
    }
    return undefined;
  }
  if (flags.db === undefined || flags.bus === undefined) {
    throw new UserError(`--cluster ${flags.cluster} needs --db postgres://USER@HOST:PORT/DB and --bus redis://HOST:PORT: the nodes share them`, USAGE);
  }
  return { nodes: flags.cluster, db: flags.db, bus: flags.bus };
}

interface RunFlags {
  server?: string[];
  cluster?: number;
  db?: string;
  bus?: string;
  adminToken?: string;
  jobs: number;
  filter?: RegExp;
  bail?: boolean;
  seed?: number;
  timeout: number;
  reporter: ReporterName;
  json?: boolean;
  output?: string;
  transcript?: string;
}

/** Ctrl-C stops the run gracefully (a report of what ran); a second one exits at once. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write(`\n${theme.warn('im: interrupted')}: stopping running scenarios (Ctrl-C again to quit now)\n`);
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return controller.signal;
}

function registerRun(scenario: Command): void {
  scenario
    .command('run')
    .description('run scenario files and report; exit 0 only when every scenario passed')
    .argument('[paths...]', 'scenario files, or directories searched for *.yaml / *.yml', DEFAULT_PATHS)
    .addOption(new Option('--server <url[,url…]>', 'target running nodes, users spread round-robin (default: a throwaway embedded server per scenario)').argParser(serverUrls))
    .addOption(new Option('--cluster <n>', `start n im serve nodes per scenario on --db and --bus (kill_node/restart_node steps need it)`).argParser(wholeNumber('--cluster', 1, MAX_CLUSTER_NODES)).conflicts('server'))
    .addOption(new Option('--db <url>', 'with --cluster: the PostgreSQL database the nodes share (it must exist)').argParser(postgresUrl))
    .addOption(new Option('--bus <url>', 'with --cluster: the Redis bus the nodes share').argParser(redisUrl))
    .addOption(new Option('--admin-token <token>', "the --server's admin token, for system messages").env('IM_ADMIN_TOKEN'))
    .addOption(new Option('-j, --jobs <n>', 'scenario files run at once').default(DEFAULT_JOBS).argParser(wholeNumber('--jobs', 1, 256)))
    .addOption(new Option('--filter <text|/regex/>', 'only scenarios whose name or file matches').argParser(filter))
    .addOption(new Option('--bail', 'start no new file after the first failure'))
    .addOption(new Option('--seed <n>', 'seed for everything random (default: random, always printed)').argParser(wholeNumber('--seed', 0, MAX_SEED)))
    .addOption(new Option('--timeout <duration>', 'default per-step timeout').default(5000, '5s').argParser(duration('--timeout')))
    .addOption(new Option('--reporter <name>', 'report format').choices(REPORTER_NAMES).default('pretty'))
    .addOption(new Option('--json', 'the report as one JSON document on stdout (the same as --reporter json)').conflicts('reporter'))
    .addOption(new Option('-o, --output <file>', 'write the report to a file (the terminal still shows progress)'))
    .addOption(new Option('--transcript <dir>', "write every actor's frame log: DIR/<file>/<actor>.jsonl"))
    .addHelpText(
      'after',
      `
Exit codes: 0 every scenario passed · 1 a scenario failed · 2 usage error (bad flag, no files,
a file that does not load).

Examples:
  $ im scenario run                                      # every file under scenarios/
  $ im scenario run scenarios/single.yaml --seed 12345   # rerun with the seed a failure printed
  $ im scenario run --filter /^group/ --jobs 8 --bail
  $ im scenario run scenarios/single.yaml --json         # the report as JSON on stdout
  $ im scenario run --reporter junit --output reports/scenarios.xml --transcript reports/frames
  $ im scenario run scenarios/system.yaml --server http://127.0.0.1:7700 --admin-token "$IM_ADMIN_TOKEN"
  $ im scenario run scenarios/group.yaml --cluster 3 --db postgres://postgres@127.0.0.1:5432/im --bus redis://127.0.0.1:6379`,
    )
    .exitOverride(usageExit)
    .action(async (paths: string[], flags: RunFlags) => {
      const { runScenarioRun } = await import('../services/scenario-run.js');
      const code = await runScenarioRun(
        {
          paths,
          servers: flags.server,
          cluster: clusterOf(flags),
          adminToken: flags.adminToken,
          jobs: flags.jobs,
          filter: flags.filter,
          bail: flags.bail === true,
          seed: flags.seed ?? Math.floor(Math.random() * MAX_SEED),
          timeoutMs: flags.timeout,
          reporter: flags.json === true ? 'json' : flags.reporter,
          output: flags.output,
          transcript: flags.transcript,
        },
        {
          stdout: process.stdout,
          stderr: process.stderr,
          interactive: process.stdout.isTTY === true && !process.env.CI,
          signal: interruptSignal(),
        },
      );
      exitWith(code);
    });
}

function registerCheck(scenario: Command): void {
  scenario
    .command('check')
    .description('load and validate scenario files without running them')
    .argument('<files...>', 'scenario files, or directories searched for *.yaml / *.yml')
    .addOption(new Option('--json', 'print one JSON object: each file with its step count or its errors (file, line, col, message)'))
    .addHelpText(
      'after',
      `
Prints "ok FILE (N steps)" per file that loads, and every error of every other file as
FILE:LINE:COL: message.
Exit codes: 0 every file loads · 1 a file does not · 2 usage error.

Examples:
  $ im scenario check scenarios/single.yaml
  $ im scenario check scenarios/
  $ im scenario check scenarios/ --json`,
    )
    .exitOverride(usageExit)
    .action(async (files: string[], flags: { json?: boolean }) => {
      const { runScenarioCheck } = await import('../services/scenario-check.js');
      exitWith(await runScenarioCheck(files, { stdout: process.stdout, stderr: process.stderr, theme }, { json: flags.json === true }));
    });
}

export function registerScenario(program: Command): void {
  const scenario = program
    .command('scenario')
    .description('run and check scenario files: scripted users against a real server')
    .addHelpText(
      'after',
      `
Examples:
  $ im scenario run                          # every file under scenarios/
  $ im scenario check scenarios/single.yaml
  $ im scenario run --help`,
    )
    .exitOverride(usageExit);
  registerRun(scenario);
  registerCheck(scenario);
}
