import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { mapLimit } from '../../runner/map-limit.js';
import { redactUrl } from '../../server/redact-url.js';
import { failedResult, runScenario } from '../../runner/run.js';
import type { LoggedFrame, Scenario, ScenarioResult } from '../../runner/types.js';
import { fanOut, REPORTERS, type ReporterName } from '../../runner/reporters/index.js';
import type { Reporter, TextSink } from '../../runner/reporters/reporter-types.js';
import { runStartLines } from '../../runner/reporters/pretty-plain.js';
import { plainTheme, theme } from '../theme.js';
import { UserError } from '../user-error.js';
import { collectFiles, USAGE } from './collect-files.js';
import { issueLine, loadScenarios } from './scenario-check.js';

export interface ScenarioRunOptions {
  /** Files or directories; directories are searched for *.yaml / *.yml. */
  paths: string[];
  /** Running nodes to target (several: one cluster); each scenario gets its own embedded server otherwise. */
  servers?: string[];
  /** Start this cluster per scenario instead (`--cluster N --db … --bus …`). */
  cluster?: { nodes: number; db: string; bus: string };
  adminToken?: string;
  /** Files run at once (≥ 1). */
  jobs: number;
  /** Keeps the scenarios whose name or file path it matches. */
  filter?: RegExp;
  /** Start no new file after the first failure. */
  bail: boolean;
  seed: number;
  /** Step timeout unless the file or the step sets one. */
  timeoutMs: number;
  reporter: ReporterName;
  /** Write the report here instead of stdout. */
  output?: string;
  /** Directory for per-scenario, per-actor frame logs. */
  transcript?: string;
}

export interface ScenarioRunIo {
  stdout: NodeJS.WriteStream;
  stderr: TextSink;
  /** stdout is a terminal we may redraw (a TTY, not CI). */
  interactive: boolean;
  /** Aborted on Ctrl-C: running scenarios stop, no new ones start. */
  signal?: AbortSignal;
}

/** A fresh prefix for the user ids of this run, so runs against one server never collide. */
function newRunId(): string {
  return `r${randomBytes(4).toString('hex')}`;
}

/** Every file's scenario, or (when any file does not load) every error of every file, one line each. */
async function loadAll(files: string[]): Promise<{ scenarios: Scenario[]; errors: string[] }> {
  const loaded = await loadScenarios(files);
  return {
    scenarios: loaded.flatMap((l) => ('scenario' in l ? [l.scenario] : [])),
    errors: loaded.flatMap((l) => ('issues' in l ? l.issues.map(issueLine) : [])),
  };
}

function select(scenarios: Scenario[], filter: RegExp | undefined): Scenario[] {
  if (!filter) return scenarios;
  const kept = scenarios.filter((s) => filter.test(s.name) || filter.test(s.file));
  if (kept.length === 0) throw new UserError(`no scenario name or file matches --filter ${filter.source} (${scenarios.length} loaded): loosen the filter, or drop it to run them all`, USAGE);
  return kept;
}

/** The report file's text, written once the run ends. */
interface FileSink extends TextSink {
  flush(): Promise<void>;
}

async function fileSink(path: string): Promise<FileSink> {
  try {
    await mkdir(dirname(resolve(path)), { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create the folder for --output ${path} (${(e as Error).message.split('\n')[0]}): choose another --output path`, USAGE);
  }
  let text = '';
  return {
    write: (chunk) => void (text += chunk),
    flush: () =>
      writeFile(path, text).catch((e: unknown) => {
        throw new UserError(`cannot write the report to --output ${path} (${(e as Error).message.split('\n')[0]}): choose another --output path`);
      }),
  };
}

const streamSink = (stream: NodeJS.WriteStream): TextSink => ({ write: (text) => void stream.write(text) });

/**
 * The reporters of a run: the chosen one to stdout or --output; with --output, pretty progress
 * on the terminal as well. Machine reports on stdout get nothing else there.
 */
async function buildReporters(options: ScenarioRunOptions, io: ScenarioRunIo, file: FileSink | undefined): Promise<Reporter[]> {
  const live = io.interactive ? { stdout: io.stdout, rows: io.stdout.rows || 24, columns: io.stdout.columns || 80 } : undefined;
  const transcripts = options.transcript !== undefined;
  const terminal = () => REPORTERS.pretty({ out: streamSink(io.stdout), theme, live, transcripts });
  if (file) {
    const chosen = await REPORTERS[options.reporter]({ out: file, theme: plainTheme, transcripts });
    return [chosen, await terminal()];
  }
  if (options.reporter === 'pretty') return [await terminal()];
  // stdout carries the JSON/XML document only; the seed still has to reach the user.
  const seedLine: Reporter = { onRunStart: (info) => runStartLines(info, theme).forEach((l) => io.stderr.write(`${l}\n`)) };
  return [seedLine, await REPORTERS[options.reporter]({ out: streamSink(io.stdout), theme, transcripts })];
}

function crashed(scenario: Scenario, e: unknown, durationMs: number): ScenarioResult {
  return failedResult(scenario, durationMs, e instanceof Error ? e.message : String(e));
}

/** `DIR/scenarios/dm/alice@phone.jsonl`: one JSON line `{at, dir, frame}` per frame, in time order. */
async function writeTranscripts(dir: string, result: ScenarioResult): Promise<string[]> {
  const stem = relative(process.cwd(), resolve(result.file)).replace(/\.ya?ml$/i, '');
  const safe = stem.split(sep).filter((part) => part !== '..' && part !== '').join(sep);
  const written: string[] = [];
  for (const { actor, frames, sent } of result.transcripts) {
    const line = (f: LoggedFrame, dir: 'in' | 'out') => ({ at: f.at, dir, ...(f.node === undefined ? {} : { node: f.node }), frame: f.frame });
    const lines = [...frames.map((f) => line(f, 'in')), ...sent.map((f) => line(f, 'out'))];
    lines.sort((a, b) => a.at - b.at);
    const path = join(dir, safe, `${actor.replace(/[\\/]/g, '_')}.jsonl`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length > 0 ? '\n' : ''));
    written.push(path);
  }
  return written;
}

/**
 * `im scenario run`: collect the files, load every one (a file that does not load stops the run
 * before anything starts), run them `jobs` at a time, report. Resolves to the exit code: 0 when
 * every scenario passed, 1 otherwise, 2 when a file does not load (its error printed as one line).
 */
export async function runScenarioRun(options: ScenarioRunOptions, io: ScenarioRunIo): Promise<number> {
  const { scenarios: all, errors } = await loadAll(await collectFiles(options.paths));
  // Nothing runs unless everything loads: a typo found after a ten-minute run wastes the ten minutes.
  if (errors.length > 0) {
    for (const error of errors) io.stderr.write(`${error}\n`);
    return USAGE;
  }
  const scenarios = select(all, options.filter);
  const file = options.output === undefined ? undefined : await fileSink(options.output);
  const reporter = fanOut(await buildReporters(options, io, file));
  const runId = newRunId();
  const started = Date.now();
  const results: ScenarioResult[] = [];
  const transcriptFiles: Record<string, string[]> = {};
  let failed = false;

  // Each scenario its own prefix under the run's: two files may both declare alice (fresh users per scenario).
  const scenarioRunId = (scenario: Scenario) => `${runId}-${scenarios.indexOf(scenario)}`;
  const runOne = async (scenario: Scenario) => {
    await reporter.onScenarioStart(scenario.file, scenario.name);
    const t0 = Date.now();
    const result = await runScenario(scenario, {
      ...(options.servers === undefined ? {} : { servers: options.servers }),
      ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
      adminToken: options.adminToken,
      defaultTimeoutMs: options.timeoutMs,
      seed: options.seed,
      runId: scenarioRunId(scenario),
      onStep: (event) => reporter.onStep(event),
      signal: io.signal,
    }).catch((e: unknown) => crashed(scenario, e, Date.now() - t0));
    if (options.transcript !== undefined && result.transcripts.length > 0) {
      transcriptFiles[result.file] = await writeTranscripts(options.transcript, result);
    }
    results.push(result);
    if (!result.passed) failed = true;
    await reporter.onScenarioEnd(result);
  };

  await reporter.onRunStart({
    files: scenarios.map((s) => s.file),
    scenarios: scenarios.map((s) => ({ file: s.file, name: s.name })),
    seed: options.seed,
    jobs: options.jobs,
    server: describeTarget(options),
    runId,
  });
  const notStarted = await mapLimit(scenarios, options.jobs, runOne, () => (options.bail && failed) || io.signal?.aborted === true);
  const interrupted = io.signal?.aborted === true;
  results.sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
  const passed = !interrupted && results.length > 0 && results.every((r) => r.passed);
  await reporter.onRunEnd({
    seed: options.seed,
    results,
    passed,
    durationMs: Date.now() - started,
    skipped: notStarted.map((s) => ({ file: s.file, name: s.name })),
    interrupted,
    transcriptFiles,
  });
  await file?.flush();
  return passed ? 0 : 1;
}

/** How reports name what the run targets; undefined for the embedded server. */
function describeTarget(options: ScenarioRunOptions): string | undefined {
  if (options.servers !== undefined) return options.servers.join(',');
  if (options.cluster !== undefined) return `${options.cluster.nodes} nodes per scenario on ${redactUrl(options.cluster.db)} + ${redactUrl(options.cluster.bus)}`;
  return undefined;
}
