import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runIm } from '../helpers/cli.js';
import { useSpawnHarness } from '../helpers/spawn-server.js';

/** Runs `im ARGS` to completion (for commands that exit by themselves). */
const im = (args: string[], env?: Record<string, string>) => runIm(args, { timeoutMs: 15_000, ...(env ? { env } : {}) });

const ANSI = /\u001b\[/;

describe('im serve: command line', () => {
  const procs = useSpawnHarness();

  it('prints help with an example for im and for im serve', async () => {
    for (const args of [['--help'], ['serve', '--help']]) {
      const run = await im(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Examples:\n\s+\$ im serve/);
    }
  });

  it('refuses a port in use with one line naming the port and the fix, and exit 1', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await im(['serve', '--db', ':memory:', '--port', String(port)]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(`port ${port}`);
      expect(run.stderr).toContain('--port');
    } finally {
      blocker.close();
    }
  });

  it('refuses a database path it cannot write with one line naming the path, and exit 1', async () => {
    const path = '/proc/im-cannot-write-here/im.db';
    const run = await im(['serve', '--db', path, '--port', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(path);
  });

  it('refuses a bad option value with one line and a non-zero exit', async () => {
    for (const args of [['serve', '--port', 'eighty'], ['serve', '--log-level', 'loud'], ['serve', '--token-ttl', 'soon']]) {
      const run = await im(args);
      expect(run.code).not.toBe(0);
      expect(run.stderr.trim().split('\n')[0]).toMatch(/error/);
    }
  });

  it('takes its settings from IM_* variables, and a flag wins over its variable', async () => {
    const db = await procs.tempDb();
    const server = await procs.spawn({ db, env: { IM_ADMIN_TOKEN: 'from-the-environment' } });
    expect(server.adminToken).toBe('from-the-environment');
    const flagged = await procs.spawn({ db: await procs.tempDb(), args: ['--admin-token', 'from-the-flag'], env: { IM_ADMIN_TOKEN: 'from-the-environment' } });
    expect(flagged.adminToken).toBe('from-the-flag');
  });

  it('stops cleanly on SIGTERM and on SIGINT: exit 0, "stopped" on stderr', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await procs.spawn({ db: await procs.tempDb() });
      const exit = await server.kill(signal);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(server.stderr()).toContain('im: stopped');
    }
  });

  it('prints no colour codes with NO_COLOR, even when colour is forced', async () => {
    const run = await im(['serve', '--port', 'x'], { NO_COLOR: '1', FORCE_COLOR: '3' });
    expect(run.stderr).not.toMatch(ANSI);
    const coloured = await im(['serve', '--db', join(mkdtempSync(join(tmpdir(), 'im-cli-')), 'no', 'such', 'dir', 'im.db')], { FORCE_COLOR: '1' });
    expect(coloured.stderr).toMatch(ANSI);
  });
});
