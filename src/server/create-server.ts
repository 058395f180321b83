import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConvType, MsgType } from '../protocol/codes.js';
import type { Content, Stamp } from '../protocol/frames.js';
import { SYSTEM_USER } from '../protocol/ids.js';
import { LoginThrottle } from './auth/login-throttle.js';
import { SessionTokens } from './auth/session-tokens.js';
import { TokenSigner } from './auth/tokens.js';
import { resolveConfig, type ServerConfig, type ServerOptions } from './config.js';
import { Deliverer } from './deliver/deliverer.js';
import { LocalPresence } from './deliver/presence.js';
import { SessionRegistry } from './deliver/session-registry.js';
import { createDomain } from './domain/domain.js';
import { checkAccess } from './filter/access.js';
import { createConversationFilter } from './filter/conversation-rules.js';
import { createRateLimitStage } from './filter/filter-stages.js';
import type { BucketsFactory } from './filter/buckets.js';
import { localBuckets } from './filter/rate-limiter.js';
import { createHttpApi } from './gateway/http/http-api.js';
import { WsGateway } from './gateway/ws-gateway.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { runPipeline, stampOf, type Pipeline } from './pipeline.js';
import { Snowflake } from './snowflake.js';
import { BatchCommitter } from './store/batch-committer.js';
import type { MessageStore } from './store/message-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import { createDedupeStage, createStoreStage } from './store/store-stages.js';
import type { Bus } from './sync/bus.js';
import { MemoryBus } from './sync/memory-bus.js';
import { createReadCommands } from './sync/read-commands.js';
import { createSyncStage } from './sync/sync-stage.js';

export interface ImServer {
  /** e.g. http://127.0.0.1:7700 */
  httpUrl: string;
  /** e.g. ws://127.0.0.1:7700/ws */
  wsUrl: string;
  port: number;
  adminToken: string;
  /** The Snowflake node id this node holds the lease on (`--node-id`, or the free one it took). */
  nodeId: number;
  /** Its `nodeId` is the one held, never undefined. */
  config: Readonly<ServerConfig>;
  /** Graceful: stops accepting, answers in-flight frames, closes sockets, then the store. */
  close(): Promise<void>;
  /**
   * Resolves (never rejects) if the node had to stop by itself, once it has: another node took
   * its node id after it could not renew the lease. Pending for as long as the node runs well.
   */
  failed: Promise<Error>;
}

export interface CreateServerOptions extends ServerOptions {
  logger?: Logger;
  /** Defaults to SQLite at `db`. */
  store?: MessageStore;
  /** Defaults to the in-process bus. */
  bus?: Bus;
  /** The node's connections as delivery sees them; a test may decorate what is written to them. */
  sessions?: SessionRegistry;
}

/**
 * The composition root: the only place that picks concrete adapters and wires the pipeline
 * gateway → filter → store → sync → (bus) → deliver.
 */
export async function createServer(options: CreateServerOptions = {}): Promise<ImServer> {
  const { logger: givenLogger, store: givenStore, bus: givenBus, sessions: givenSessions, ...rest } = options;
  const resolved = resolveConfig(rest);
  const logger = givenLogger ?? createLogger(resolved.logLevel);
  const store = givenStore ?? (await openStore(resolved.db));
  // Before the node listens: a node id another live node holds, or a bus that cannot reach the
  // other nodes of the database, stops the start here (NodeClaimError). A given bus counts as shared.
  // A node whose id another node took can no longer promise unique msgIds: it stops (crash-only).
  let leaseLost: (e: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (leaseLost = resolve));
  const lease = await holdNodeLease(store, resolved, givenBus !== undefined || resolved.busUrl !== undefined ? 'redis' : 'memory', logger, (e) => leaseLost(e)).catch(
    async (e: unknown) => {
      await store.close();
      throw e;
    },
  );
  const { nodeId } = lease;
  /** Closes what was opened so far when the start fails after the claim. */
  const abandon = async (e: unknown): Promise<never> => {
    await lease.release();
    await store.close();
    throw e;
  };
  const config: Readonly<ServerConfig> = Object.freeze({ ...resolved, nodeId });
  const clusterId = config.busUrl === undefined ? undefined : await store.getOrInitMeta('cluster-id', () => randomBytes(9).toString('base64url')).catch(abandon);
  const bus = givenBus ?? (await openBus(config.busUrl, clusterId, logger).catch(abandon));
  const limits = await openLimits(config, clusterId, logger).catch(async (e: unknown) => {
    await bus.close();
    return abandon(e);
  });
  const metrics = new Metrics();
  // Kept in the database when not given: every node of a cluster, and every restart, shares it.
  const adminToken = config.adminToken ?? (await store.getOrInitMeta('admin-token', () => randomBytes(18).toString('base64url')).catch(abandon));
  const secret = await store.getOrInitMeta('token-secret', () => randomBytes(32).toString('base64url'));
  const tokens = new SessionTokens(new TokenSigner(secret, config.tokenTtlMs, config.now), store);
  const logins = new LoginThrottle(config.loginLimit, limits.buckets);

  const ids = new Snowflake(nodeId, config.now);
  const committer = new BatchCommitter(store, config.maxBatch, metrics, logger);
  const filter = createConversationFilter(store);
  const storeStage = createStoreStage(ids, committer, config.now);
  const syncStage = createSyncStage(bus, metrics);
  // Rate limit before any store read; dedupe before the filter, and a Duplicate skips to the sync stage (§6.2).
  const STAGES: Pipeline = {
    admit: [createRateLimitStage(limits.buckets('send', config.rateLimit)), createDedupeStage(store)],
    route: filter,
    store: storeStage,
    publish: syncStage,
  };
  const SYSTEM_STAGES: Pipeline = { admit: [], route: filter, store: storeStage, publish: syncStage };

  const sessions = givenSessions ?? new SessionRegistry();
  const presence = store.presence?.({ nodeId, instance: lease.instance }, logger) ?? new LocalPresence(sessions);
  // Live before the node listens: it never misses an event published after its start.
  let unsubscribe: () => Promise<void>;
  try {
    unsubscribe = await bus.subscribe(new Deliverer(nodeId, sessions, logger, { inbox: store, members: store, metrics }).handle);
  } catch (e) {
    return abandon(e);
  }

  async function systemSend(to: string, msgType: MsgType, content: Content): Promise<Stamp> {
    const outcome = await runPipeline(SYSTEM_STAGES, {
      kind: 'submitted',
      from: SYSTEM_USER,
      origin: { nodeId, connId: 'http' },
      convType: ConvType.SYSTEM_CONVERSATION,
      msgType,
      to,
      content,
      control: {},
      options: {},
      // TYPING is transient whoever sends it (§3).
      persist: msgType !== MsgType.TYPING,
    });
    return stampOf(outcome, to);
  }

  const domain = createDomain({ store, bus, tokens, logins, scryptCost: config.scryptCost });
  const http = createHttpServer(createHttpApi({ domain, store, bus, tokens, adminToken, config, metrics, logger, systemSend }));
  http.keepAliveTimeout = 5000;
  const gateway = new WsGateway(http, {
    nodeId,
    config,
    stages: STAGES,
    reads: createReadCommands(
      store,
      bus,
      config,
      (userId, convId) => checkAccess(store, userId, convId),
      limits.buckets('read', config.readRateLimit),
    ),
    metrics,
    logger,
    tokens,
    sessions,
    presence,
    bus,
  });

  try {
    await listen(http, config.port, config.host);
  } catch (e) {
    await unsubscribe();
    return abandon(e);
  }
  const { port } = http.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // Once the node is up: a start that fails says one thing only.
  for (const warning of (await store.settingsWarnings?.().catch(() => [])) ?? []) logger.warn(warning);

  let closing: Promise<void> | undefined;
  const server: ImServer = {
    httpUrl: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/ws`,
    port,
    adminToken,
    nodeId,
    config,
    failed: failed.then(async (e) => {
      logger.error('node id lease lost: stopping', { nodeId, error: e.message });
      await server.close();
      return e;
    }),
    close: () =>
      (closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
        await gateway.close();
        http.closeAllConnections();
        await httpClosed;
        await committer.drain();
        await unsubscribe();
        await bus.close();
        await limits.close();
        await lease.release();
        await store.close();
      })()),
  };
  return server;
}

interface HeldLease {
  nodeId: number;
  /** This start of the node: what its lease, and its presence rows, are written under. */
  instance: string;
  /** Stops renewing and gives the id up (once; later calls do nothing). Never rejects. */
  release(): Promise<void>;
}

/**
 * Claims the node id (config.nodeId, or a free one) for config.nodeLeaseTtlMs and renews it every
 * third of that on an unref'd timer. A renewal that fails is a warning (the next one may work);
 * a lease found taken by another node is an error: two nodes now stamp msgIds with one id.
 */
async function holdNodeLease(
  store: MessageStore,
  config: Readonly<ServerConfig>,
  bus: 'memory' | 'redis',
  logger: Logger,
  onLost: (e: Error) => void,
): Promise<HeldLease> {
  const instance = randomBytes(12).toString('base64url');
  const ttlMs = config.nodeLeaseTtlMs;
  const { nodeId } = await store.claimNode({ ...(config.nodeId === undefined ? {} : { nodeId: config.nodeId }), instance, bus, ttlMs });
  let renewing: Promise<void> | undefined;
  let lost = false;
  const timer = setInterval(() => {
    if (renewing) return;
    renewing = store
      .renewNode(nodeId, instance, ttlMs)
      .then(
        (held) => {
          if (!held && !lost) {
            lost = true;
            clearInterval(timer);
            onLost(new Error(`node id ${nodeId} was taken by another node after this one failed to renew its lease in time (was the database unreachable for ${Math.round(ttlMs / 1000)} s?); this node stopped so that msgIds cannot collide: start it again`));
          }
        },
        (e: unknown) => logger.warn('could not renew the node id lease; retrying', { nodeId, error: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => (renewing = undefined));
  }, Math.max(1, Math.floor(ttlMs / 3)));
  timer.unref();
  let released: Promise<void> | undefined;
  return {
    nodeId,
    instance,
    release: () =>
      (released ??= (async () => {
        clearInterval(timer);
        await renewing;
        if (lost) return;
        await store.releaseNode(nodeId, instance).catch((e: unknown) =>
          logger.warn('could not release the node id lease; it expires by itself', { nodeId, error: e instanceof Error ? e.message : String(e) }),
        );
      })()),
  };
}

/**
 * The store `db` names: a postgres:// or postgresql:// URL opens the shared PostgreSQL store of
 * cluster mode (imported here, on first use, so a SQLite node never loads pg); anything else is a
 * SQLite file. Both reject with a StoreOpenError naming the database and the fix.
 */
async function openStore(db: string): Promise<MessageStore> {
  if (/^postgres(ql)?:\/\//i.test(db)) {
    const { PostgresStore } = await import('./store/postgres/postgres-store.js');
    return PostgresStore.open(db);
  }
  return SqliteStore.open(db);
}

/** Thrown when the port cannot be bound; the CLI turns it into one line. */
export class ListenError extends Error {
  override name = 'ListenError';
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const why =
        e.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use; pick another with --port (0 picks a free one)`
          : e.code === 'EACCES'
            ? `no permission to listen on ${host}:${port}; use a port above 1024`
            : e.code === 'EADDRNOTAVAIL'
              ? `${host} is not an address of this machine; check --host`
              : `cannot listen on ${host}:${port}: ${e.message}`;
      reject(new ListenError(why));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * The Redis bus of cluster mode (`im:<clusterId>:bus`), handed to `createServer({ bus })`.
 * ioredis is imported here, on first use, so a node on the in-process bus never loads it.
 * Rejects within about 10 s, when the URL is malformed or Redis does not answer, with an error
 * whose `name` is `'RedisBusError'` and whose one-line message names the URL (password hidden).
 */
/**
 * The bus named by `url` (`redis://…`), or the in-process one. A Redis bus's channel carries the
 * cluster's identity, kept in its database: clusters sharing one Redis never see each other.
 */
async function openBus(url: string | undefined, clusterId: string | undefined, logger: Logger): Promise<Bus> {
  if (url === undefined || clusterId === undefined) return new MemoryBus();
  return connectRedisBus(url, { clusterId, logger });
}

interface Limits {
  buckets: BucketsFactory;
  close(): Promise<void>;
}

/**
 * The rate limits' buckets: the node's own, or on a cluster (a Redis bus) shared by every node
 * in that Redis, so a user's limits hold however their devices are spread over the nodes.
 */
async function openLimits(config: Readonly<ServerConfig>, clusterId: string | undefined, logger: Logger): Promise<Limits> {
  if (config.busUrl === undefined || clusterId === undefined) {
    return { buckets: localBuckets(config.now), close: async () => undefined };
  }
  const { RedisBuckets } = await import('./sync/redis/redis-buckets.js');
  const shared = await RedisBuckets.connect(config.busUrl, { clusterId, logger });
  return { buckets: shared.factory, close: () => shared.close() };
}

export async function connectRedisBus(url: string, options: { clusterId: string; logger?: Logger }): Promise<Bus> {
  const { RedisBus } = await import('./sync/redis/redis-bus.js');
  return RedisBus.connect(url, options);
}
