import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay, backoffSequence } from '../../src/chat/model/backoff.js';
import { STATE_FILE_NAME, loadCursor, saveCursor } from '../../src/chat/model/state-file.js';

describe('state file', () => {
  let dir: string;
  const key = { server: 'http://127.0.0.1:8080', userId: 'alice', deviceId: 'laptop' };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'im-chat-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts from 0 and says missing when there is no file', async () => {
    expect(await loadCursor(dir, key)).toEqual({ lastPts: 0, source: 'missing' });
  });

  it('round-trips a cursor, keyed by server, user and device', async () => {
    await saveCursor(dir, key, { lastPts: 42 });
    await saveCursor(dir, { ...key, deviceId: 'phone' }, { lastPts: 7 });
    expect(await loadCursor(dir, key)).toEqual({ lastPts: 42, source: 'ok' });
    expect(await loadCursor(dir, { ...key, server: 'http://127.0.0.1:8080/' })).toEqual({ lastPts: 42, source: 'ok' });
    expect(await loadCursor(dir, { ...key, deviceId: 'phone' })).toEqual({ lastPts: 7, source: 'ok' });
    expect(await loadCursor(dir, { ...key, userId: 'bob' })).toEqual({ lastPts: 0, source: 'missing' });
  });

  it('tolerates a corrupt file, says so, and replaces it on the next save', async () => {
    await writeFile(join(dir, STATE_FILE_NAME), '{"version":1,"cursors":{"x":{"lastPts":-');
    expect(await loadCursor(dir, key)).toEqual({ lastPts: 0, source: 'corrupt' });
    await writeFile(join(dir, STATE_FILE_NAME), '{"version":1,"cursors":{"a":{"lastPts":"3"}}}');
    expect(await loadCursor(dir, key)).toEqual({ lastPts: 0, source: 'corrupt' });
    await saveCursor(dir, key, { lastPts: 3 });
    expect(await loadCursor(dir, key)).toEqual({ lastPts: 3, source: 'ok' });
  });

  it('writes atomically: no temp file is left and the file is always whole JSON', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => saveCursor(dir, key, { lastPts: i })));
    expect(await readdir(dir)).toEqual([STATE_FILE_NAME]);
    const parsed = JSON.parse(await readFile(join(dir, STATE_FILE_NAME), 'utf8')) as { version: number };
    expect(parsed.version).toBe(1);
    expect((await loadCursor(dir, key)).source).toBe('ok');
  });

  it('creates the directory and refuses a negative cursor', async () => {
    const nested = join(dir, 'a', 'b');
    await saveCursor(nested, key, { lastPts: 1 });
    expect(await loadCursor(nested, key)).toEqual({ lastPts: 1, source: 'ok' });
    await expect(saveCursor(dir, key, { lastPts: -1 })).rejects.toThrow(RangeError);
  });
});

describe('backoff', () => {
  it('doubles from 500 ms to a 30 s cap with no jitter at random = 0.5', () => {
    expect(backoffSequence(9, { random: () => 0.5 })).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('spreads by ±20 % and never exceeds the cap', () => {
    expect(backoffDelay(1, { random: () => 0 })).toBe(400);
    expect(backoffDelay(1, { random: () => 0.999999 })).toBe(600);
    expect(backoffDelay(20, { random: () => 0.999999 })).toBe(30000);
    expect(backoffDelay(20, { random: () => 0 })).toBe(24000);
  });

  it('honours custom options', () => {
    expect(backoffSequence(4, { initialMs: 100, maxMs: 500, factor: 3, jitter: 0, random: () => 0.9 })).toEqual([100, 300, 500, 500]);
  });
});
