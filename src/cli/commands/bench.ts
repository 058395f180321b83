import { type Command, Option } from 'commander';
import { exitWith, usageExit } from '../command-exits.js';
import { CaseError, casesFor } from '../../bench/cases.js';
import { CompareError } from '../../bench/compare.js';
import { BenchSetupError } from '../../bench/run-bench.js';
import { parseThreshold, ThresholdError, type Threshold } from '../../bench/thresholds.js';
import { WORKLOADS } from '../../bench/types.js';
import { duration, serverUrls, wholeNumber } from '../flag-parsers.js';
import { EXIT, UserError } from '../user-error.js';

interface BenchFlags {
  server?: string[];
  adminToken?: string;
  users?: number;
  messages?: number;
  window?: number;
  duration?: number;
  runs: number;
  json?: boolean;
  out?: string;
  threshold: string[];
  baseline: boolean;
}

const collect = (v: string, all: string[]) => [...all, v];

/** --duration: a bare number is seconds (the issue's `--duration S`); 500ms, 10s and 2m work too. */
function seconds(v: string): number {
  return duration(/^\d+(\.\d+)?$/.test(v) ? `${v}s` : v) / 1000;
}

/** Errors of the bench's own modules that the user fixes on the command line: usage errors. */
function asUserError(e: unknown): unknown {
  if (e instanceof CaseError || e instanceof ThresholdError || e instanceof BenchSetupError || e instanceof CompareError) return new UserError(e.message, EXIT.USAGE);
  return e;
}

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('measure im beside a bare WebSocket relay run in the same session: msgs/s, deliveries/s, latency, CPU, memory, and the ratio im ÷ relay')
    .argument('[workloads...]', `what to run (default: all): ${WORKLOADS.join(', ')}; a size picks one case, e.g. group/1000`)
    .addOption(new Option('--server <url[,url…]>', 'drive a running server or cluster (default: an embedded server on a temporary SQLite file per case)').argParser(serverUrls))
    .addOption(new Option('--admin-token <token>', "the --server's admin token: users are made with it").env('IM_ADMIN_TOKEN'))
    .addOption(new Option('--users <n>', 'users per case instead of the defaults (pairs: n/2 pairs; group types: members; connect, idle: connections)').argParser(wholeNumber(2)))
    .addOption(new Option('--messages <n>', 'messages per sender instead of the defaults').argParser(wholeNumber(1)))
    .addOption(new Option('--window <n>', 'SENDs a sender keeps unacknowledged (default 32; latency always 1)').argParser(wholeNumber(1, 10_000)))
    .addOption(new Option('--duration <seconds>', 'send for this many seconds (10, or 10s, 2m) instead of a number of messages').argParser(seconds))
    .addOption(new Option('--runs <n>', 'run each case n times; figures are the median run, and the spread is the noise band compare uses').default(1).argParser(wholeNumber(1, 50)))
    .addOption(new Option('--json', 'print the report as JSON on stdout instead of tables (progress stays on stderr)'))
    .addOption(new Option('--out <file>', 'also write the JSON report to FILE, for im bench compare'))
    .addOption(new Option('--threshold <expr>', 'fail (exit 1) unless it holds, e.g. "latency.p99<10ms", "pairs.ratio>0.6"; repeatable').default([], '').argParser(collect))
    .addOption(new Option('--no-baseline', 'skip the relay: no ratios, half the time'))
    .addHelpText(
      'after',
      `
Figures move from run to run on a shared machine; the ratio to the relay measured beside them does
much less. Compare commits by their ratios: --out a.json, then --out b.json, then im bench compare.
Exit codes: 0 done, every threshold met · 1 a threshold missed, or im lost or doubled a delivery ·
2 usage error (bad flag, unknown workload, bad threshold, no admin token for --server).

Examples:
  $ im bench                                        # every workload, embedded server vs relay
  $ im bench pairs latency --runs 3                 # two workloads, median of 3 runs
  $ im bench group/1000 --messages 500              # one case, more messages
  $ im bench pairs --threshold 'pairs.ratio>0.6' --threshold 'p99<50ms' --json
  $ IM_ADMIN_TOKEN=secret im bench pairs --server http://10.0.0.1:7700,http://10.0.0.2:7700
  $ im bench --out before.json && git checkout my-branch && im bench --out after.json
  $ im bench compare before.json after.json`,
    )
    .exitOverride(usageExit)
    .action(async (workloads: string[], flags: BenchFlags) => {
      try {
        const thresholds: Threshold[] = flags.threshold.map(parseThreshold);
        const cases = casesFor(workloads, {
          ...(flags.users === undefined ? {} : { users: flags.users }),
          ...(flags.messages === undefined ? {} : { messages: flags.messages }),
          ...(flags.window === undefined ? {} : { window: flags.window }),
          ...(flags.duration === undefined ? {} : { durationS: flags.duration }),
        });
        const { runBenchCommand } = await import('../services/bench.js');
        const code = await runBenchCommand(
          {
            cases,
            ...(flags.server ? { servers: flags.server } : {}),
            ...(flags.adminToken === undefined || !flags.server ? {} : { adminToken: flags.adminToken }),
            runs: flags.runs,
            baseline: flags.baseline,
            thresholds,
            json: flags.json === true,
            ...(flags.out === undefined ? {} : { out: flags.out }),
          },
          { stdout: process.stdout, stderr: process.stderr, interactive: process.stderr.isTTY === true && !process.env.CI },
        );
        exitWith(code);
      } catch (e) {
        throw asUserError(e);
      }
    });

  bench
    .command('compare')
    .description('compare two reports written with --out: the change of each figure and ratio, and whether it is beyond the noise')
    .argument('<a>', 'the report before (JSON from im bench --out)')
    .argument('<b>', 'the report after')
    .addHelpText(
      'after',
      `
A change within the noise band (the spread of --runs, at least ±5% when a report has fewer than
3 runs) is "within noise". Judged by the ratio to the relay when both reports have it.

Examples:
  $ im bench --runs 3 --out before.json
  $ im bench --runs 3 --out after.json
  $ im bench compare before.json after.json`,
    )
    .exitOverride(usageExit)
    .action(async (a: string, b: string) => {
      try {
        const { runBenchCompare } = await import('../services/bench.js');
        exitWith(runBenchCompare(a, b, { stdout: process.stdout }));
      } catch (e) {
        throw asUserError(e);
      }
    });
}
