import { Chalk, type ChalkInstance } from 'chalk';
import chalk from 'chalk';

function tokens(c: ChalkInstance) {
  return {
    error: (s: string) => c.red.bold(s),
    warn: (s: string) => c.yellow(s),
    ok: (s: string) => c.green(s),
    label: (s: string) => c.dim(s),
    value: (s: string) => c.cyan(s),
    /** A scenario, step or threshold that held. */
    pass: (s: string) => c.green(s),
    /** A scenario, step or threshold that did not. */
    fail: (s: string) => c.red(s),
    /** Secondary detail: durations, timestamps, counts. */
    muted: (s: string) => c.gray(s),
    /** A file:line a user can open. */
    location: (s: string) => c.cyan(s),
    heading: (s: string) => c.bold(s),
    /** Diff lines: what the scenario expected / what the actor received. */
    diffExpected: (s: string) => c.green(s),
    diffActual: (s: string) => c.red(s),
    running: (s: string) => c.yellow(s),
  };
}

export type Theme = ReturnType<typeof tokens>;

/** Semantic colours for plain (non-ink) CLI output; chalk turns them off without a TTY or with NO_COLOR. */
export const theme: Theme = tokens(chalk);

/** The same tokens with colour off, for output written to files (reports, JUnit) whatever the terminal. */
export const plainTheme: Theme = tokens(new Chalk({ level: 0 }));
