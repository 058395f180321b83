import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runIm } from '../helpers/cli.js';
import { useSpawnHarness } from '../helpers/spawn-server.js';
import { spawnIm, type RunningIm } from './spawn-im.js';

/** Runs `im ARGS` to completion (for commands that exit by themselves). */
const im = (args: string[], env?: Record<string, string>) => runIm(args, { timeoutMs: 15_000, ...(env ? { env } : {}) });

const ANSI = /\u001b\[/;

/** Children of spawnIm() that a test leaves running are stopped after it. */
const started: RunningIm[] = [];
const running = (im: RunningIm): RunningIm => (started.push(im), im);
afterEach(async () => {
  await Promise.all(started.splice(0).map((im) => im.stop('SIGKILL')));
});

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

  it('refuses a bad option value with one im: error line and the usage exit status 2', async () => {
    for (const args of [['serve', '--port', 'eighty'], ['serve', '--log-level', 'loud'], ['serve', '--token-ttl', 'soon']]) {
      const run = await im(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(/^im: error: --/)]);
    }
  });

  it("words commander's own errors as one im: error line with the way to help, exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [['--frobnicate'], /^im: error: unknown option --frobnicate \(see im --help\)$/],
      [['serve', '--prot', '80'], /^im: error: unknown option --prot \(did you mean --port\?\) \(see im serve --help\)$/],
      [['serv'], /^im: error: unknown command serv \(did you mean serve\?\) \(see im --help\)$/],
      [['serve', '--port'], /^im: error: --port needs a value \(see im serve --help\)$/],
      [['chat'], /^im: error: missing required argument 'users' \(see im chat --help\)$/],
    ];
    for (const [args, line] of cases) {
      const run = await im(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(line)]);
    }
    // No command at all: the help itself is the answer, on stderr, still a usage error.
    const bare = await im([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: im /);
  });

  // Every setting of `im serve` with a value its flag refuses: the line names the flag when the
  // flag was given, and the variable (never the flag) when only the variable was set.
  const BAD_SETTINGS: [flag: string, variable: string, value: string][] = [
    ['--port', 'IM_PORT', 'abc'],
    ['--port', 'IM_PORT', '70000'],
    ['--host', 'IM_HOST', ''],
    ['--db', 'IM_DB', ''],
    ['--admin-token', 'IM_ADMIN_TOKEN', 'short'],
    ['--node-id', 'IM_NODE_ID', '1024'],
    ['--log-level', 'IM_LOG_LEVEL', 'loud'],
    ['--token-ttl', 'IM_TOKEN_TTL', 'soon'],
    ['--idle-timeout', 'IM_IDLE_TIMEOUT', '0'],
    ['--rate-burst', 'IM_RATE_BURST', '0'],
    ['--rate-limit', 'IM_RATE_LIMIT', 'fast'],
    ['--rate-limit', 'IM_RATE_LIMIT', '0'],
    ['--max-content', 'IM_MAX_CONTENT', '2000000'],
    ['--read-limit', 'IM_READ_LIMIT', '0'],
    ['--max-devices', 'IM_MAX_DEVICES', 'many'],
    ['--metrics-token', 'IM_METRICS_TOKEN', 'short'],
    ['--bus', 'IM_BUS', 'nope'],
  ];

  it.each(BAD_SETTINGS)('names %s or %s, whichever set the bad value %j', async (flag, variable, value) => {
    const byFlag = await im(['serve', '--db', ':memory:', '--port', '0', flag, value]);
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^im: error: ${flag} must .*, got "${value}"`))]);
    expect(byFlag.stderr).not.toContain(variable);

    const others = flag === '--db' ? ['--port', '0'] : flag === '--port' ? ['--db', ':memory:'] : ['--db', ':memory:', '--port', '0'];
    const byVariable = await im(['serve', ...others], { NO_COLOR: '1', [variable]: value });
    expect(byVariable.code).toBe(2);
    expect(byVariable.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^im: error: ${variable} must .*, got "${value}"`))]);
    expect(byVariable.stderr).not.toContain(flag);
  });

  it('names --db or --bus in one line, exit 1, when the PostgreSQL or Redis they point at cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, so both fail at once.
    const bus = await im(['serve', '--db', ':memory:', '--port', '0', '--bus', 'redis://127.0.0.1:1'], { NO_COLOR: '1' });
    expect(bus.code).toBe(1);
    expect(bus.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^im: error: --bus: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/)]);

    const db = await im(['serve', '--port', '0', '--db', 'postgres://im:secret@127.0.0.1:1/im'], { NO_COLOR: '1' });
    expect(db.code).toBe(1);
    expect(db.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^im: error: --db: cannot reach PostgreSQL .*postgres:\/\/im:\*\*\*@127\.0\.0\.1:1\/im/)]);
    expect(db.stderr).not.toContain('secret');
  });

  it('names IM_PORT and IM_DB, not the flags, when a start-up failure comes from a variable', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = String((blocker.address() as { port: number }).port);
    try {
      const run = await im(['serve', '--db', ':memory:'], { NO_COLOR: '1', IM_PORT: port });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^im: error: port \d+ .*already in use; pick another with IM_PORT/)]);
    } finally {
      blocker.close();
    }
    const db = await im(['serve', '--port', '0'], { NO_COLOR: '1', IM_DB: '/proc/im-cannot-write-here/im.db' });
    expect(db.code).toBe(1);
    expect(db.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^im: error: .*\/proc\/im-cannot-write-here\/im\.db.*IM_DB/)]);
    expect(db.stderr).not.toContain('--db');
  });

  it('documents the exit statuses in im --help', async () => {
    const { stdout } = await im(['--help']);
    expect(stdout).toMatch(/Exit status: 0 ok · 1 the command failed .*\n2 usage error/);
  });

  it('prints the ready banner as one JSON line on stdout with --json, and keeps logs on stderr', async () => {
    const server = running(spawnIm(['serve', '--json', '--db', ':memory:', '--port', '0', '--log-level', 'info']));
    const [line] = await server.untilStdout(/^.*\n/);
    const ready = JSON.parse(line) as Record<string, unknown>;
    expect(ready).toEqual({
      event: 'listening',
      httpUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      wsUrl: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/),
      host: '127.0.0.1',
      port: expect.any(Number),
      db: ':memory:',
      nodeId: 0,
      adminToken: expect.stringMatching(/^\S{8,}$/),
    });
    expect(ready.httpUrl).toBe(`http://127.0.0.1:${String(ready.port)}`);

    // A refused request is logged at info: the log line must go to stderr, not after the JSON.
    const refused = await fetch(`${String(ready.httpUrl)}/openapi/v1/no-such-endpoint`);
    expect(refused.status).toBe(404);
    await expect.poll(() => server.stderr()).toMatch(/no-such-endpoint/);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toBe(line);
    expect(server.stderr()).toContain('im: stopped');
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
