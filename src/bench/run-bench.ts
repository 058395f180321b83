import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { foldRuns, ratioOf } from './figures.js';
import { openFileLimit } from './proc-stats.js';
import { ImTarget } from './targets/im-target.js';
import { RelayTarget } from './targets/relay-target.js';
import type { BenchTarget } from './targets/target.js';
import type { BenchReport, Case, CaseResult, Measure, TargetKind } from './types.js';
import { WORKLOAD_RUNNERS } from './workloads/index.js';

export interface BenchOptions {
  cases: readonly Case[];
  /** The running server or cluster to drive; an embedded server per case when absent. */
  servers?: readonly string[];
  /** Needed with `servers`: users are provisioned with it. */
  adminToken?: string;
  runs: number;
  /** false: no relay runs and no ratios (--no-baseline). */
  baseline: boolean;
  /** A missing PUSH is lost after this long without progress. */
  stallMs?: number;
  onEvent?: (event: BenchEvent) => void;
}

export type BenchEvent =
  | { type: 'start'; case: Case; run: number; runs: number; target: TargetKind }
  | { type: 'progress'; case: Case; target: TargetKind; phase: string; done: number; total: number }
  | { type: 'measured'; case: Case; run: number; target: TargetKind; measure: Measure }
  | { type: 'done'; result: CaseResult };

/** The driver's own CPU above which its figures may be its limit rather than the server's. */
const DRIVER_SATURATED_PERCENT = 90;
/** The shortest measured phase whose driver CPU is worth a warning. */
const MIN_SECONDS_FOR_CPU = 1;

export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}

/**
 * Runs every case `runs` times, each time on im and then on the relay, and folds the runs into
 * results with their ratios. Each local run gets a fresh server (a new SQLite file) and a fresh
 * relay, so a case's memory and CPU are its own.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  checkOpenFiles(options.cases);
  if (options.servers && options.adminToken === undefined) {
    throw new BenchSetupError('--server needs the admin token of those nodes to make users: set IM_ADMIN_TOKEN or pass --admin-token');
  }
  const startedAt = new Date().toISOString();
  const emit = options.onEvent ?? (() => undefined);
  const results: CaseResult[] = [];
  const warnings: string[] = [];
  const tag = Date.now().toString(36) + randomBytes(2).toString('hex');
  for (const c of options.cases) {
    const runs: CaseResult['runs'] = [];
    for (let run = 1; run <= options.runs; run++) {
      const prefix = `b${tag}${run}-${c.name.replace('/', '')}-`;
      const im = await measureOn('im', c, run, prefix, options, emit);
      const relay = options.baseline ? await measureOn('relay', c, run, prefix, options, emit) : undefined;
      const ratio = ratioOf(c.workload, im, relay);
      runs.push({ im, ...(relay ? { relay } : {}), ...(ratio === undefined ? {} : { ratio }) });
    }
    warnings.push(...warningsOf(c, 'im', runs.map((r) => r.im)), ...(options.baseline ? warningsOf(c, 'relay', runs.map((r) => r.relay!)) : []));
    const result = foldRuns(c, runs);
    results.push(result);
    emit({ type: 'done', result });
  }
  return {
    kind: 'im-bench',
    version: 1,
    startedAt,
    target: options.servers ? { kind: 'server', urls: [...options.servers] } : { kind: 'embedded', urls: [] },
    machine: { cpus: availableParallelism(), node: process.version, platform: `${process.platform}-${process.arch}` },
    runs: options.runs,
    results,
    thresholds: [],
    warnings,
  };
}

async function measureOn(kind: TargetKind, c: Case, run: number, prefix: string, options: BenchOptions, emit: (e: BenchEvent) => void): Promise<Measure> {
  emit({ type: 'start', case: c, run, runs: options.runs, target: kind });
  const target: BenchTarget = kind === 'relay' ? await RelayTarget.start() : options.servers ? ImTarget.remote(options.servers, options.adminToken!) : await ImTarget.startLocal();
  try {
    const measure = await WORKLOAD_RUNNERS[c.workload](target, c, {
      prefix,
      progress: (phase, done, total) => emit({ type: 'progress', case: c, target: kind, phase, done, total }),
      ...(options.stallMs === undefined ? {} : { stallMs: options.stallMs }),
    });
    emit({ type: 'measured', case: c, run, target: kind, measure });
    return measure;
  } finally {
    await target.close();
  }
}

/** A case's warnings about one target, over its runs: each kind once, with the worst run and how many runs had it. */
function warningsOf(c: Case, kind: TargetKind, runs: readonly Measure[]): string[] {
  const who = kind === 'im' ? 'im' : 'the relay';
  const n = (x: number) => x.toLocaleString('en');
  const inRuns = (k: number) => (runs.length > 1 ? ` (${k} of ${runs.length} runs)` : '');
  /** The runs where `when` holds, and the one of them with the largest `pick`. */
  const worst = (pick: (m: Measure) => number, when: (m: Measure) => boolean) => {
    const hit = runs.filter(when);
    const at = hit.reduce<Measure | undefined>((a, m) => (!a || pick(m) > pick(a) ? m : a), undefined);
    return { count: hit.length, max: at === undefined ? 0 : pick(at), at };
  };
  const out: string[] = [];
  // Over a phase shorter than a second the driver's CPU is mostly its start-up: no verdict.
  const cpu = worst((m) => m.driverCpuPercent, (m) => m.driverCpuPercent >= DRIVER_SATURATED_PERCENT && m.seconds >= MIN_SECONDS_FOR_CPU);
  if (cpu.count) {
    const threads = cpu.at?.driverThreads ?? 1;
    const thread = threads > 1 ? `the busiest of its ${threads} threads` : 'its thread';
    out.push(`${c.name}: the bench itself used ${runs.length > 1 ? 'up to ' : ''}${cpu.max}% of a core (${thread}) while driving ${who}${inRuns(cpu.count)}: that figure may be the driver's limit, not ${who}'s (a machine with more cores, or the server elsewhere with --server, would tell)`);
  }
  const lost = worst((m) => m.lost, (m) => m.lost > 0);
  if (lost.count) out.push(`${c.name}: ${who} lost ${n(lost.max)} of ${n(lost.at!.expected)} deliveries${inRuns(lost.count)}`);
  const dup = worst((m) => m.duplicates, (m) => m.duplicates > 0);
  if (dup.count) out.push(`${c.name}: ${who} delivered ${n(dup.max)} PUSHes twice${inRuns(dup.count)}`);
  const errors = worst((m) => m.errors, (m) => m.errors > 0);
  if (errors.count) out.push(`${c.name}: ${who} answered ${n(errors.max)} ${c.workload === 'connect' || c.workload === 'idle' ? 'connections with a refusal' : 'SENDs with an ERROR'}${inRuns(errors.count)}`);
  return out;
}

/** connect and idle hold thousands of sockets: say how to raise the limit before a run fails half-way. */
function checkOpenFiles(cases: readonly Case[]): void {
  const limit = openFileLimit();
  const needed = Math.max(0, ...cases.map((c) => c.users)) + 256;
  if (limit !== undefined && limit < needed) {
    const biggest = cases.reduce((a, b) => (b.users > a.users ? b : a));
    throw new BenchSetupError(`${biggest.name} opens ${biggest.users.toLocaleString('en')} connections but this shell allows ${limit} open files: run "ulimit -n ${Math.max(needed, 20_000)}" first (or pass a smaller --users)`);
  }
}
