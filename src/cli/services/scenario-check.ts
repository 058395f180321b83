import { loadScenario, ScenarioLoadError } from '../../runner/load.js';
import type { Scenario, Step } from '../../runner/types.js';
import type { TextSink } from '../../runner/reporters/index.js';
import type { Theme } from '../theme.js';
import { collectFiles } from './collect-files.js';

/** `file:line: message`, the one line a load error prints. */
export function loadErrorLine(file: string, e: unknown): string {
  // The loader's own error is that line already.
  if (e instanceof ScenarioLoadError) return e.message;
  // Not the loader's own error (unreadable file, a bug): still one line, naming the file.
  const message = e instanceof Error ? e.message : String(e);
  return `${file}: ${message.split('\n')[0]}`;
}

export type Loaded = { file: string; scenario: Scenario } | { file: string; error: string };

/** Loads every file (in parallel), keeping each file's scenario or its one-line error, in file order. */
export async function loadScenarios(files: readonly string[]): Promise<Loaded[]> {
  return Promise.all(
    files.map(async (file): Promise<Loaded> => {
      try {
        return { file, scenario: await loadScenario(file) };
      } catch (e) {
        return { file, error: loadErrorLine(file, e) };
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

export interface CheckIo {
  stdout: TextSink;
  stderr: TextSink;
  theme: Theme;
}

/**
 * `im scenario check`: loads and validates each file without running it, printing
 * `ok FILE (N steps)` or the file's one-line error. Resolves to the exit code: 0 when every
 * file loads, 1 otherwise.
 */
export async function runScenarioCheck(paths: readonly string[], io: CheckIo): Promise<number> {
  const files = await collectFiles(paths);
  let failed = 0;
  for (const loaded of await loadScenarios(files)) {
    if ('error' in loaded) {
      failed += 1;
      io.stderr.write(`${loaded.error}\n`);
    } else {
      const n = countSteps(loaded.scenario.steps);
      io.stdout.write(`${io.theme.ok('ok')} ${loaded.file} ${io.theme.muted(`(${n} step${n === 1 ? '' : 's'})`)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}
