/**
 * The exit statuses of every `im` command (README "Exit status", `im --help`). Commander's own
 * errors (unknown option or command, missing argument, a value a flag's parser refused) are
 * usage errors too: main.ts maps them to USAGE.
 */
export const EXIT = {
  OK: 0,
  /** The command ran and failed: the server could not start, a scenario failed, a file did not load. */
  FAILURE: 1,
  /** The command line itself is wrong: fix the flag, argument or IM_* variable the message names. */
  USAGE: 2,
  /** Stopped by Ctrl-C before it finished (a password prompt, a second Ctrl-C during a run). */
  INTERRUPTED: 130,
} as const;

/**
 * An error the user can fix: the CLI prints its message (and the fix) as one line and exits
 * with `exitCode` (EXIT.FAILURE unless given; EXIT.USAGE for a bad command line), without a stack.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILURE,
  ) {
    super(message);
  }
}

/** Errors from the server's own modules that are the user's to fix, by class name. */
export const USER_FIXABLE = new Set(['UserError', 'ConfigError', 'ListenError', 'StoreOpenError', 'RedisBusError', 'NodeClaimError']);
