import chalk from 'chalk';

/** Semantic colours for plain (non-ink) CLI output; chalk turns them off without a TTY or with NO_COLOR. */
export const theme = {
  error: (s: string) => chalk.red.bold(s),
  warn: (s: string) => chalk.yellow(s),
  ok: (s: string) => chalk.green(s),
  label: (s: string) => chalk.dim(s),
  value: (s: string) => chalk.cyan(s),
};
