import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../user-error.js';

/** Exit code of a usage error: bad flags, no files, a file that does not load. */
export const USAGE = 2;

const SCENARIO_FILE = /\.ya?ml$/i;

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name.startsWith('.') || e.name === 'node_modules' ? [] : walk(path);
      return SCENARIO_FILE.test(e.name) ? [path] : [];
    }),
  );
  return nested.flat();
}

/**
 * The scenario files named by `paths`: a file as given (any extension), a directory as every
 * *.yaml / *.yml below it (hidden folders and node_modules skipped). Sorted, without duplicates.
 * A path that does not exist, or no file at all, is a usage error.
 */
export async function collectFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new UserError(`no such file or directory: ${path} (give scenario files or folders of them, relative to ${process.cwd()})`, USAGE);
    found.push(...(info.isDirectory() ? await walk(path) : [path]));
  }
  if (found.length === 0) throw new UserError(`no scenario files (*.yaml, *.yml) in ${paths.join(', ')}: give a folder that holds some, or the files themselves`, USAGE);
  return [...new Set(found)].sort();
}
