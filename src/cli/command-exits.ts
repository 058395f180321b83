import { CommanderError } from 'commander';
import { EXIT } from './user-error.js';

/**
 * Bad flags and missing arguments are usage errors: exit 2, like a file that does not load.
 * Commander has printed the one `im: error: …` line already (src/cli/main.ts sets its output).
 */
export function usageExit(err: CommanderError): never {
  throw err.exitCode === EXIT.FAILURE ? new CommanderError(EXIT.USAGE, err.code, err.message) : err;
}

/** Exits once stdout has taken everything, so a report piped to a file is never cut short. */
export function exitWith(code: number): void {
  process.stdout.write('', () => process.exit(code));
}
