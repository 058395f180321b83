import type { RunSummary, ScenarioResult, StepEvent } from '../types.js';
import type { Theme } from './theme.js';

/**
 * The contract between the run and its reporters, apart from the registry (index.ts) so that
 * each reporter module depends on the contract only, never on the registry that loads it.
 */

/** What every reporter learns when the run begins (after files are loaded and filtered). */
export interface RunStartInfo {
  /** The files that will run, sorted. */
  files: string[];
  /** Each file's scenario name, so a reporter can name files that never start (--bail). */
  scenarios: { file: string; name: string }[];
  seed: number;
  jobs: number;
  /** The server targeted with --server; undefined when each scenario gets its own embedded one. */
  server?: string;
  /** The prefix of every user id created by this run. */
  runId: string;
}

/** The run as a finished whole, with what the reporters need beyond RunSummary. */
export interface RunEndInfo extends RunSummary {
  /** Scenarios that never started (--bail, or an interrupt). */
  skipped: { file: string; name: string }[];
  interrupted: boolean;
  /** Per-scenario transcript files written with --transcript, by scenario file. */
  transcriptFiles: Record<string, string[]>;
}

/**
 * A reporter is a plug-in: every hook is optional and called in this order — onRunStart once,
 * then per scenario onScenarioStart, onStep*, onScenarioEnd (scenarios interleave with --jobs > 1
 * and end in completion order), then onRunEnd once with results sorted by file. A hook may
 * return a promise; the runner awaits it before the next hook of the same reporter.
 */
export interface Reporter {
  onRunStart?(info: RunStartInfo): void | Promise<void>;
  onScenarioStart?(file: string, name: string): void | Promise<void>;
  onStep?(event: StepEvent): void;
  onScenarioEnd?(result: ScenarioResult): void | Promise<void>;
  onRunEnd?(summary: RunEndInfo): void | Promise<void>;
}

/** Where a reporter writes text: the terminal, a file buffer, or a test's string. */
export interface TextSink {
  write(text: string): void;
}

/** The live terminal a pretty reporter may take over. */
export interface LiveTerminal {
  stdout: NodeJS.WriteStream;
  rows: number;
  columns: number;
}

export interface ReporterOptions {
  out: TextSink;
  theme: Theme;
  /** Set when `out` is an interactive terminal the pretty reporter may redraw (ink). */
  live?: LiveTerminal;
  /** Include each device's frame log in machine-readable reports (--transcript). */
  transcripts: boolean;
}
