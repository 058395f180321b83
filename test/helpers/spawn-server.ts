import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { ImClient } from '../../src/client/im-client.js';
import { ImHttp } from '../../src/client/http-client.js';
import type { ConnectUserOptions, TestUser } from './server.js';
import { passwordOf } from './server.js';

/**
 * The built CLI as a child process: `node bin/im.js serve`, for tests that need what only a real
 * process has (kill -9, a restart on the same database file). Typical use:
 *
 *   const procs = useSpawnHarness();                // kills what is left after each test
 *   beforeAll(() => ensureBuilt(), 120_000);
 *   const db = await procs.tempDb();
 *   const server = await procs.spawn({ db });
 *   ...
 *   await server.kill('SIGKILL');
 *   const again = await procs.spawn({ db });
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin', 'im.js');
const BUILD_IF_STALE = join(ROOT, 'scripts', 'build-if-stale.mjs');

/** `im listening on http://HOST:PORT (ws://HOST:PORT/ws)` (PROTOCOL.md §2). */
const READY_LINE = /^im listening on (http:\/\/\S+) \((ws:\/\/\S+)\)$/m;
/** `  admin     TOKEN  (Bearer token for ...)`, printed right after the ready line. */
const ADMIN_LINE = /^\s*admin\s+(\S+)\s+\(Bearer/m;
const READY_TIMEOUT_MS = 15_000;
const TERM_GRACE_MS = 5_000;

/**
 * Builds `dist/` when it is missing or older than the sources (scripts/build-if-stale.mjs, also
 * npm's `prepare`), so the CLI under test is the source under test. Rejects with tsc's output
 * when the build fails. Give the calling hook a generous timeout: a full build takes seconds.
 */
export async function ensureBuilt(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [BUILD_IF_STALE], { cwd: ROOT }, (error, stdout, stderr) => {
      if (error) reject(new Error(`npm run build failed (exit ${String(error.code)}):\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** The SQLite file (`--db`). */
  db: string;
  /** Extra `im serve` arguments, e.g. `['--rate-burst', '5']`. */
  args?: readonly string[];
  /** Extra environment; IM_* variables of the test process are never inherited. */
  env?: Record<string, string>;
}

/** A running `im serve` child, listening on a free port. */
export interface SpawnedServer {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly adminToken: string;
  readonly pid: number;
  /** Unauthenticated HTTP client. */
  readonly http: ImHttp;
  /** HTTP client carrying the admin token. */
  readonly admin: ImHttp;
  /** Everything the child wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the child has exited. */
  readonly exited: Promise<ExitInfo>;
  /** Sends `signal` to this child (by its pid) and resolves once it has exited. */
  kill(signal: NodeJS.Signals): Promise<ExitInfo>;
  /** SIGTERM (a graceful stop), SIGKILL if it is still running after a grace period. Idempotent. */
  close(): Promise<ExitInfo>;
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('IM_')) env[key] = value;
  return { ...env, NO_COLOR: '1', ...extra };
}

/**
 * Starts `node bin/im.js serve --db <db> --port 0` and resolves once it has printed its ready line
 * and admin token. Rejects (and kills the child) when it exits first or is not ready in time; the
 * error quotes its stderr. Call `ensureBuilt()` first.
 */
export async function spawnServer(options: SpawnOptions): Promise<SpawnedServer> {
  const args = [CLI, 'serve', '--db', options.db, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const ready = await whenReady(child, exited, () => out, () => err);
    return spawned(child, exited, ready, () => out, () => err);
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    throw e;
  }
}

interface Ready {
  httpUrl: string;
  wsUrl: string;
  adminToken: string;
}

function whenReady(child: ChildProcess, exited: Promise<ExitInfo>, out: () => string, err: () => string): Promise<Ready> {
  return new Promise<Ready>((resolve, reject) => {
    const check = (): void => {
      const ready = READY_LINE.exec(out());
      const admin = ADMIN_LINE.exec(out());
      if (!ready || !admin) return;
      done();
      resolve({ httpUrl: ready[1]!, wsUrl: ready[2]!, adminToken: admin[1]! });
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`im serve printed no ready line within ${READY_TIMEOUT_MS} ms; stdout:\n${out()}\nstderr:\n${err()}`));
    }, READY_TIMEOUT_MS);
    const done = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) => {
      done();
      reject(new Error(`im serve exited (code ${code}, signal ${signal}) before it was ready; stderr:\n${err()}`));
    });
  });
}

function spawned(child: ChildProcess, exited: Promise<ExitInfo>, ready: Ready, out: () => string, err: () => string): SpawnedServer {
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const pid = child.pid!;
  const http = new ImHttp(ready.httpUrl);
  let closing: Promise<ExitInfo> | undefined;
  const server: SpawnedServer = {
    httpUrl: ready.httpUrl,
    wsUrl: ready.wsUrl,
    port: Number(new URL(ready.httpUrl).port),
    adminToken: ready.adminToken,
    pid,
    http,
    admin: http.withToken(ready.adminToken),
    stdout: out,
    stderr: err,
    exited,
    kill(signal) {
      // ChildProcess.kill signals this child's pid only, and is a no-op once it has exited.
      if (running()) child.kill(signal);
      return exited;
    },
    close() {
      closing ??= (async () => {
        if (!running()) return exited;
        child.kill('SIGTERM');
        const grace = setTimeout(() => running() && child.kill('SIGKILL'), TERM_GRACE_MS);
        try {
          return await exited;
        } finally {
          clearTimeout(grace);
        }
      })();
      return closing;
    },
  };
  return server;
}

/** Registers and logs in each user (password `pw-<id>`) on a spawned server. */
export async function registerUsersAt(server: Pick<SpawnedServer, 'http'>, userIds: readonly string[]): Promise<TestUser[]> {
  return Promise.all(
    userIds.map(async (userId): Promise<TestUser> => {
      const password = passwordOf(userId);
      await server.http.register(userId, password);
      const { token } = await server.http.login(userId, password);
      return { userId, password, token, http: server.http.withToken(token) };
    }),
  );
}

/** Logs `user` in again (e.g. on a restarted server) and returns the user with the new token. */
export async function loginAt(server: Pick<SpawnedServer, 'http'>, user: TestUser): Promise<TestUser> {
  const { token } = await server.http.login(user.userId, user.password);
  return { ...user, token, http: server.http.withToken(token) };
}

/** Opens a WebSocket for `user` on a spawned server. */
export function connectAt(
  server: Pick<SpawnedServer, 'httpUrl' | 'wsUrl'>,
  user: TestUser,
  device: string | ConnectUserOptions = {},
): Promise<ImClient> {
  const options = typeof device === 'string' ? { deviceId: device } : device;
  return ImClient.connect({ ...options, url: server.httpUrl, wsUrl: server.wsUrl, token: user.token, userId: user.userId });
}

// A vitest worker that dies mid-test must not leave servers running: kill what is still ours.
const live = new Set<SpawnedServer>();
process.once('exit', () => {
  for (const server of live) {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

interface Closable {
  close(): Promise<unknown>;
}

/** Spawns servers, opens clients and makes temp dirs, remembering each so `cleanup()` undoes them. */
export interface SpawnHarness {
  spawn(options: SpawnOptions): Promise<SpawnedServer>;
  /** A fresh database path in a new temp directory (removed by cleanup). */
  tempDb(): Promise<string>;
  /** Tracks a client so cleanup closes it. */
  track<C extends Closable>(resource: C): C;
  /** Closes tracked clients, stops every spawned server that is still running, removes temp dirs. */
  cleanup(): Promise<void>;
}

export function createSpawnHarness(): SpawnHarness {
  const clients: Closable[] = [];
  const servers: SpawnedServer[] = [];
  const dirs: string[] = [];
  return {
    async spawn(options) {
      const server = await spawnServer(options);
      servers.push(server);
      live.add(server);
      void server.exited.then(() => live.delete(server));
      return server;
    },
    async tempDb() {
      const dir = await mkdtemp(join(tmpdir(), 'im-guarantee-'));
      dirs.push(dir);
      return join(dir, 'im.db');
    },
    track(resource) {
      clients.push(resource);
      return resource;
    },
    async cleanup() {
      await Promise.allSettled(clients.splice(0).map((c) => c.close()));
      await Promise.allSettled(servers.splice(0).map((s) => s.close()));
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** A spawn harness whose `cleanup()` runs after each test of the calling file. */
export function useSpawnHarness(): SpawnHarness {
  const harness = createSpawnHarness();
  afterEach(() => harness.cleanup());
  return harness;
}
