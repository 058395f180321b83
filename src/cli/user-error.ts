/**
 * An error the user can fix: the CLI prints its message (and the fix) as one line and exits
 * with `exitCode` (1 unless given; 2 for usage errors of `im scenario`), without a stack.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Errors from the server's own modules that are the user's to fix, by class name. */
export const USER_FIXABLE = new Set(['UserError', 'ConfigError', 'ListenError', 'StoreOpenError']);
