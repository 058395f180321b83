import { loadScenario, ScenarioLoadError } from '../../runner/load.js';
import type { TextSink } from '../../runner/reporters/reporter-types.js';
import type { Scenario, Step } from '../../runner/types.js';
import type { Theme } from '../theme.js';
import { collectFiles } from './collect-files.js';

/** One reason a file does not load; line and col are null when no place in the file is to blame. */
export interface LoadIssue {
  file: string;
  line: number | null;
  col: number | null;
  message: string;
}

/** `file:line:col: message`, the line an editor or CI annotation can jump to. */
export function issueLine(issue: LoadIssue): string {
  return `${issue.file}${issue.line === null ? '' : `:${issue.line}:${issue.col ?? 1}`}: ${issue.message}`;
}

/** Every error the loader found in `file`; anything else (a bug) still as one issue naming the file. */
function issuesOf(file: string, e: unknown): LoadIssue[] {
  if (e instanceof ScenarioLoadError) return e.errors.map((x) => ({ file: x.file, line: x.line ?? null, col: x.col ?? null, message: x.reason }));
  const message = e instanceof Error ? e.message : String(e);
  return [{ file, line: null, col: null, message: message.split('\n')[0] ?? message }];
}

export type Loaded = { file: string; scenario: Scenario } | { file: string; issues: LoadIssue[] };

/** Loads every file (in parallel), keeping each file's scenario or all of its issues, in file order. */
export async function loadScenarios(files: readonly string[]): Promise<Loaded[]> {
  return Promise.all(
    files.map(async (file): Promise<Loaded> => {
      try {
        return { file, scenario: await loadScenario(file) };
      } catch (e) {
        return { file, issues: issuesOf(file, e) };
      }
    }),
  );
}

/** Every step as written, nested ones (repeat bodies, parallel branches) included. */
export function countSteps(steps: readonly Step[]): number {
  return steps.reduce((n, step) => {
    if (step.kind === 'repeat') return n + 1 + countSteps(step.steps);
    if (step.kind === 'parallel') return n + 1 + step.branches.reduce((m, b) => m + countSteps(b), 0);
    return n + 1;
  }, 0);
}

/** `im scenario check --json`: what a CI job or an editor reads. */
export interface CheckReport {
  version: 1;
  /** Every file loads. */
  ok: boolean;
  files: { file: string; ok: boolean; steps: number | null; errors: LoadIssue[] }[];
  /** Every file's errors, in file order then place: the list to annotate. */
  errors: LoadIssue[];
}

export function checkReport(loaded: readonly Loaded[]): CheckReport {
  const files = loaded.map((l) =>
    'scenario' in l ? { file: l.file, ok: true, steps: countSteps(l.scenario.steps), errors: [] } : { file: l.file, ok: false, steps: null, errors: l.issues },
  );
  const errors = files.flatMap((f) => f.errors);
  return { version: 1, ok: errors.length === 0, files, errors };
}

export interface CheckIo {
  stdout: TextSink;
  stderr: TextSink;
  theme: Theme;
}

/**
 * `im scenario check`: loads and validates each file without running it, printing
 * `ok FILE (N steps)`, or every error of the file as `FILE:LINE:COL: message` (with `json`, one
 * CheckReport on stdout instead). Resolves to the exit code: 0 when every file loads, 1 otherwise.
 */
export async function runScenarioCheck(paths: readonly string[], io: CheckIo, options: { json?: boolean } = {}): Promise<number> {
  const report = checkReport(await loadScenarios(await collectFiles(paths)));
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const { file, steps, errors } of report.files) {
      for (const issue of errors) io.stderr.write(`${issueLine(issue)}\n`);
      if (steps !== null) io.stdout.write(`${io.theme.ok('ok')} ${file} ${io.theme.muted(`(${steps} step${steps === 1 ? '' : 's'})`)}\n`);
    }
  }
  return report.ok ? 0 : 1;
}
