import { afterEach } from 'vitest';
import { ImClient } from '../../src/client/im-client.js';
import type { ConnectOptions } from '../../src/client/types.js';
import { ImHttp } from '../../src/client/http-client.js';
import type { LogLevel } from '../../src/server/config.js';
import { createServer, type CreateServerOptions, type ImServer } from '../../src/server/create-server.js';
import { createLogger } from '../../src/server/logger.js';

/**
 * Test helpers over the REAL server: port 0, real sockets, SQLite ':memory:'. Typical use:
 *
 *   const h = useHarness();                        // cleans up after each test
 *   const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
 *   await alice.client.send({ ... });
 *   await bob.client.waitFor(match.push({ from: 'alice' }));
 */

export interface StartServerOptions extends CreateServerOptions {
  /** Collect the server's log lines at this level into `logs` (ignored when `logger` is given). */
  captureLogs?: LogLevel;
}

export interface TestServer extends ImServer {
  /** The underlying server, as createServer returned it. */
  readonly server: ImServer;
  /** Log lines, when started with `captureLogs`. */
  readonly logs: readonly string[];
  /** Unauthenticated HTTP client. */
  readonly http: ImHttp;
  /** HTTP client carrying the admin token (`/system/send`). */
  readonly admin: ImHttp;
}

export interface TestUser {
  userId: string;
  password: string;
  token: string;
  /** HTTP client carrying this user's token. */
  http: ImHttp;
}

export interface ConnectedUser extends TestUser {
  client: ImClient;
}

/** Defaults for tests: a free port, a throwaway database, no log output. */
export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const { captureLogs, ...rest } = options;
  const logs: string[] = [];
  const logger = rest.logger ?? (captureLogs ? createLogger(captureLogs, (line) => logs.push(line.trimEnd())) : undefined);
  const server = await createServer({
    host: '127.0.0.1',
    port: 0,
    db: ':memory:',
    logLevel: 'silent',
    ...rest,
    ...(logger ? { logger } : {}),
  });
  const http = new ImHttp(server.httpUrl);
  return {
    server,
    httpUrl: server.httpUrl,
    wsUrl: server.wsUrl,
    port: server.port,
    adminToken: server.adminToken,
    nodeId: server.nodeId,
    config: server.config,
    close: () => server.close(),
    failed: server.failed,
    logs,
    http,
    admin: http.withToken(server.adminToken),
  };
}

/** The password every helper-registered user gets. */
export const passwordOf = (userId: string): string => `pw-${userId}`;

/** Registers and logs in each user (password `pw-<id>`); the result has the shape of `userIds`. */
export async function registerUsers<const T extends readonly string[]>(
  server: TestServer,
  userIds: T,
): Promise<{ -readonly [K in keyof T]: TestUser }> {
  const users = await Promise.all(
    userIds.map(async (userId): Promise<TestUser> => {
      const password = passwordOf(userId);
      await server.http.register(userId, password);
      const { token } = await server.http.login(userId, password);
      return { userId, password, token, http: server.http.withToken(token) };
    }),
  );
  return users as { -readonly [K in keyof T]: TestUser };
}

/** Makes every pair of the given users friends (both sides add each other). */
export async function befriend(...users: TestUser[]): Promise<void> {
  for (const [i, a] of users.entries()) {
    for (const b of users.slice(i + 1)) {
      await a.http.friendAdd(b.userId);
      await b.http.friendAdd(a.userId);
    }
  }
}

export type ConnectUserOptions = Omit<ConnectOptions, 'url' | 'wsUrl' | 'token' | 'userId'>;

/** Opens a WebSocket for `user` (deviceId `default` unless given). Not tracked: close it yourself. */
export function connectUser(server: TestServer, user: TestUser, device: string | ConnectUserOptions = {}): Promise<ImClient> {
  const options = typeof device === 'string' ? { deviceId: device } : device;
  return ImClient.connect({ ...options, url: server.httpUrl, wsUrl: server.wsUrl, token: user.token, userId: user.userId });
}

interface Closable {
  close(): Promise<unknown>;
}

export interface SetupOptions extends StartServerOptions {
  /** Make every pair of users friends. */
  friends?: boolean;
}

/** Starts servers and opens clients, remembering each so `cleanup()` can close them all. */
export interface Harness {
  startServer(options?: StartServerOptions): Promise<TestServer>;
  registerUsers: typeof registerUsers;
  connect(server: TestServer, user: TestUser, device?: string | ConnectUserOptions): Promise<ImClient>;
  /** A server with registered, connected users (deviceId `default`), keyed by userId. */
  setup<const T extends readonly string[]>(
    userIds: T,
    options?: SetupOptions,
  ): Promise<{ server: TestServer; users: Record<T[number], ConnectedUser> }>;
  /** Tracks anything closable made elsewhere (e.g. `await client.reconnect()`). */
  track<C extends Closable>(resource: C): C;
  /** Closes every tracked client, then every tracked server. Idempotent. */
  cleanup(): Promise<void>;
}

export function createHarness(): Harness {
  const clients: Closable[] = [];
  const servers: Closable[] = [];

  const harness: Harness = {
    async startServer(options) {
      const server = await startServer(options);
      servers.push(server);
      return server;
    },
    registerUsers,
    async connect(server, user, device) {
      const client = await connectUser(server, user, device);
      clients.push(client);
      return client;
    },
    async setup(userIds, options = {}) {
      const { friends = false, ...serverOptions } = options;
      const server = await harness.startServer(serverOptions);
      const registered: TestUser[] = await registerUsers(server, userIds);
      if (friends) await befriend(...registered);
      const users: Record<string, ConnectedUser> = {};
      for (const user of registered) users[user.userId] = { ...user, client: await harness.connect(server, user) };
      return { server, users: users as Record<(typeof userIds)[number], ConnectedUser> };
    },
    track(resource) {
      clients.push(resource);
      return resource;
    },
    async cleanup() {
      const closing = [clients.splice(0), servers.splice(0)];
      const failures: unknown[] = [];
      for (const group of closing) {
        const results = await Promise.allSettled(group.map((r) => r.close()));
        for (const r of results) if (r.status === 'rejected') failures.push(r.reason);
      }
      if (failures.length > 0) throw new AggregateError(failures, 'harness cleanup failed');
    },
  };
  return harness;
}

/** A harness whose `cleanup()` runs after each test of the calling file. */
export function useHarness(): Harness {
  const harness = createHarness();
  afterEach(() => harness.cleanup());
  return harness;
}
