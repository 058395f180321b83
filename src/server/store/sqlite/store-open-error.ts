/**
 * The database file cannot be used: missing directory, no permission, not an im database, a
 * schema newer than this build, or another `im serve` holding it. The message names the file and
 * the fix, so the CLI can print it as one line.
 */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}
