import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The per-(server, user, device) cursor the chat resumes from. */
export interface ChatCursor {
  lastPts: number;
}

/** Identifies one cursor in the file. */
export interface CursorKey {
  server: string;
  userId: string;
  deviceId: string;
}

export interface LoadedCursor extends ChatCursor {
  /** `ok`: read from the file; `missing`: no file or no entry; `corrupt`: unreadable, starting from 0. */
  source: 'ok' | 'missing' | 'corrupt';
}

/** The file name inside the caller's directory (e.g. `$XDG_STATE_HOME/im` or `~/.im`). */
export const STATE_FILE_NAME = 'chat-state.json';

interface StateFileV1 {
  version: 1;
  cursors: Record<string, ChatCursor>;
}

/** The entry key: a trailing slash on the server URL does not make a second cursor. */
export function cursorKey(key: CursorKey): string {
  return `${key.server.replace(/\/+$/, '')}|${key.userId}|${key.deviceId}`;
}

/** Reads the cursor; never throws for a missing or corrupt file (it starts from 0 and says so). */
export async function loadCursor(dir: string, key: CursorKey): Promise<LoadedCursor> {
  const file = await readStateFile(dir);
  if (file === 'missing') return { lastPts: 0, source: 'missing' };
  if (file === 'corrupt') return { lastPts: 0, source: 'corrupt' };
  const entry = file.cursors[cursorKey(key)];
  return entry === undefined ? { lastPts: 0, source: 'missing' } : { lastPts: entry.lastPts, source: 'ok' };
}

/**
 * Stores the cursor, keeping other keys' entries (a corrupt file is replaced). Atomic: the JSON is
 * written to a temp file in the same directory and renamed over the old one, so a crash leaves
 * either the old file or the new one, never half of one.
 */
export async function saveCursor(dir: string, key: CursorKey, cursor: ChatCursor): Promise<void> {
  if (!Number.isSafeInteger(cursor.lastPts) || cursor.lastPts < 0) {
    throw new RangeError(`lastPts must be a non-negative integer, got ${cursor.lastPts}`);
  }
  await mkdir(dir, { recursive: true });
  const existing = await readStateFile(dir);
  const cursors = typeof existing === 'string' ? {} : existing.cursors;
  const next: StateFileV1 = { version: 1, cursors: { ...cursors, [cursorKey(key)]: { lastPts: cursor.lastPts } } };
  const target = join(dir, STATE_FILE_NAME);
  const temp = `${target}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, target);
}

async function readStateFile(dir: string): Promise<StateFileV1 | 'missing' | 'corrupt'> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE_NAME), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return 'corrupt';
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isStateFile(parsed) ? parsed : 'corrupt';
  } catch {
    return 'corrupt';
  }
}

function isStateFile(value: unknown): value is StateFileV1 {
  if (typeof value !== 'object' || value === null) return false;
  const { version, cursors } = value as { version?: unknown; cursors?: unknown };
  if (version !== 1 || typeof cursors !== 'object' || cursors === null) return false;
  return Object.values(cursors).every(
    (c: unknown) =>
      typeof c === 'object' && c !== null && Number.isSafeInteger((c as { lastPts?: unknown }).lastPts) &&
      ((c as { lastPts: number }).lastPts >= 0),
  );
}
