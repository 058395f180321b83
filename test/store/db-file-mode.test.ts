import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store.js';

/**
 * The database file holds the token-signing secret and the password hashes: only its owner may
 * read it, whatever the umask of the process that created it.
 */

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'im-mode-'));
  dirs.push(dir);
  return join(dir, 'im.db');
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('the database file', () => {
  it('is created 0600 even under a permissive umask, and so are its WAL files', async () => {
    const path = await tempPath();
    const previous = process.umask(0o000);
    let store: SqliteStore;
    try {
      store = SqliteStore.open(path);
    } finally {
      process.umask(previous);
    }
    await store.getOrInitMeta('token-secret', () => 'secret');

    expect(await modeOf(path)).toBe(0o600);
    expect(await modeOf(`${path}-wal`)).toBe(0o600);
    await store.close();
  });

  it('is tightened to 0600 when an older build left it readable by others', async () => {
    const path = await tempPath();
    SqliteStore.open(path).close();
    await chmod(path, 0o644);

    const store = SqliteStore.open(path);

    expect(await modeOf(path)).toBe(0o600);
    await store.close();
  });

  it('refuses a file that is not a database as before', async () => {
    const path = await tempPath();
    await writeFile(path, 'not a database at all, just text that is long enough to be read as a header');

    expect(() => SqliteStore.open(path)).toThrow(/not an im database/);
  });
});
