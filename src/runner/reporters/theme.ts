/**
 * The colour tokens reporters write with. The runner only names them; the CLI supplies a
 * coloured implementation (src/cli/theme.ts satisfies this interface structurally), so the
 * runner never imports from the CLI and a report written to a file uses `plainTheme`.
 */
export interface Theme {
  error(s: string): string;
  warn(s: string): string;
  ok(s: string): string;
  label(s: string): string;
  value(s: string): string;
  /** A scenario, step or threshold that held. */
  pass(s: string): string;
  /** A scenario, step or threshold that did not. */
  fail(s: string): string;
  /** Secondary detail: durations, timestamps, counts. */
  muted(s: string): string;
  /** A file:line a user can open. */
  location(s: string): string;
  heading(s: string): string;
  /** Diff lines: what the scenario expected / what the actor received. */
  diffExpected(s: string): string;
  diffActual(s: string): string;
  running(s: string): string;
}

const same = (s: string): string => s;

/** Every token leaves the text as it is: for files (JUnit, --output) whatever the terminal. */
export const plainTheme: Theme = {
  error: same,
  warn: same,
  ok: same,
  label: same,
  value: same,
  pass: same,
  fail: same,
  muted: same,
  location: same,
  heading: same,
  diffExpected: same,
  diffActual: same,
  running: same,
};
