import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConvType, type MsgType } from '../../src/protocol/codes.js';
import type { Content, Stamp } from '../../src/protocol/frames.js';
import { SYSTEM_USER, systemConvId } from '../../src/protocol/ids.js';
import { LoginThrottle } from '../../src/server/auth/login-throttle.js';
import { SessionTokens } from '../../src/server/auth/session-tokens.js';
import { TokenSigner } from '../../src/server/auth/tokens.js';
import { resolveConfig } from '../../src/server/config.js';
import { createDomain } from '../../src/server/domain/domain.js';
import { err } from '../../src/server/errors.js';
import { createHttpApi, type HttpApiDeps } from '../../src/server/gateway/http/http-api.js';
import { silentLogger, type Logger } from '../../src/server/logger.js';
import { Metrics } from '../../src/server/metrics.js';
import { Snowflake } from '../../src/server/snowflake.js';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store.js';
import { MemoryBus } from '../../src/server/sync/memory-bus.js';
import { localBuckets } from '../../src/server/filter/rate-limiter.js';

export const ADMIN_TOKEN = 'admin-token-for-tests';
export const TOKEN_TTL_MS = 60_000;

export interface Answer {
  status: number;
  code: number;
  msg: string;
  // The envelope's data: tests read fields they assert on, so `any` keeps them short.
  data: any;
  headers: Headers;
  /** RATE_LIMITED answers only. */
  retryAfterMs?: number;
}

export interface HarnessOptions {
  logger?: Logger;
  systemSend?: HttpApiDeps['systemSend'];
}

export interface CallOptions {
  token?: string;
  /** Sent as-is instead of JSON.stringify(body). */
  raw?: string;
  method?: string;
}

/**
 * A real node:http server on port 0 running createHttpApi over a real SqliteStore (':memory:')
 * and a real TokenSigner whose clock the test moves.
 */
export class ApiHarness {
  private constructor(
    readonly server: Server,
    readonly base: string,
    readonly store: SqliteStore,
    readonly metrics: Metrics,
    private readonly clock: { now: number },
  ) {}

  /** Options replace the real parts only where a test needs a failure the real ones never produce. */
  static async start(options: HarnessOptions = {}): Promise<ApiHarness> {
    const clock = { now: Date.now() };
    const now = () => clock.now;
    const store = await SqliteStore.open(':memory:');
    // A cheap scrypt: these tests count refusals, not hashing cost.
    const config = resolveConfig({ db: ':memory:', now, logLevel: 'silent', scryptCost: 1024 });
    const tokens = new SessionTokens(new TokenSigner('test-secret', TOKEN_TTL_MS, now), store);
    const metrics = new Metrics();
    const ids = new Snowflake(0, now);
    // Real storage, the pipeline's SYSTEM path reduced to its store step.
    const systemSend = async (to: string, msgType: MsgType, content: Content): Promise<Stamp> => {
      if (!(await store.getUser(to))) throw err.userNotFound(to);
      const convId = systemConvId(to);
      const [r] = await store.appendMessages([
        {
          msgId: ids.next(),
          convId,
          convType: ConvType.SYSTEM_CONVERSATION,
          msgType,
          from: SYSTEM_USER,
          to,
          content,
          sendTime: now(),
          inboxUsers: [to],
          participants: [to],
        },
      ]);
      if (!r) throw new Error('appendMessages returned no result');
      return { msgId: r.msgId, convId: r.convId, seq: r.seq, pts: r.pts[to], sendTime: r.sendTime };
    };
    const logins = new LoginThrottle(config.loginLimit, localBuckets(now));
    const bus = new MemoryBus();
    const handler = createHttpApi({
      domain: createDomain({ store, bus, tokens, logins, scryptCost: config.scryptCost }),
      bus,
      store,
      tokens,
      adminToken: ADMIN_TOKEN,
      config,
      metrics,
      logger: options.logger ?? silentLogger,
      systemSend: options.systemSend ?? systemSend,
    });
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new ApiHarness(server, `http://127.0.0.1:${port}`, store, metrics, clock);
  }

  advanceClock(ms: number): void {
    this.clock.now += ms;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.store.close();
  }

  async request(path: string, init: RequestInit): Promise<Answer> {
    const res = await fetch(this.base + path, init);
    const text = await res.text();
    const json = (res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : {}) as Partial<Answer>;
    const answer: Answer = { status: res.status, code: json.code ?? -1, msg: json.msg ?? text, data: json.data, headers: res.headers };
    return json.retryAfterMs === undefined ? answer : { ...answer, retryAfterMs: json.retryAfterMs };
  }

  post(path: string, body: unknown, options: CallOptions = {}): Promise<Answer> {
    return this.request(`/openapi/v1${path}`, {
      method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...auth(options.token) },
      body: options.raw ?? JSON.stringify(body),
    });
  }

  get(path: string, query: Record<string, string> = {}, options: CallOptions = {}): Promise<Answer> {
    const qs = new URLSearchParams(query).toString();
    return this.request(`/openapi/v1${path}${qs ? `?${qs}` : ''}`, { method: options.method ?? 'GET', headers: auth(options.token) });
  }

  /** Registers `userId` (password `pw-<userId>`) and returns a login token. */
  async user(userId: string): Promise<string> {
    const password = `pw-${userId}`;
    const reg = await this.post('/user/register', { userId, password });
    if (reg.code !== 0) throw new Error(`register ${userId}: ${reg.code} ${reg.msg}`);
    const login = await this.post('/user/login', { userId, password });
    if (login.code !== 0) throw new Error(`login ${userId}: ${login.code} ${login.msg}`);
    return login.data.token as string;
  }
}

const auth = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
