import { DEFAULT_MAX_CONTENT_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_OPTIONS_BYTES } from '../protocol/limits.js';
import { DEFAULT_SCRYPT_COST } from './auth/passwords.js';
import { MAX_NODE_ID } from './snowflake.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** A per-user token bucket (§6.6). */
export interface RateLimit {
  /** Bucket size: this many units pass at once. */
  burst: number;
  /** Refill rate in units per second; a sustained flood above it gets 1003. */
  perSecond: number;
}

/** The whole server configuration: one frozen object, built once and passed down. */
export interface ServerConfig {
  /** Interface to listen on. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** SQLite file, `:memory:` for a throwaway run, or a `postgres://` URL for a cluster. */
  db: string;
  /** A `redis://` URL for a cluster's bus; undefined for the in-process bus of one node. */
  busUrl: string | undefined;
  /** Authorises `/system/send`; generated and printed when not given. */
  adminToken: string | undefined;
  /**
   * Snowflake node id, 0–1023; distinct per node of a cluster, guarded by a lease in the store.
   * Undefined: the lowest free id on PostgreSQL, 0 on SQLite (ImServer.nodeId is the one taken).
   */
  nodeId: number | undefined;
  /**
   * How long a node's lease on its node id lasts without a renewal (renewed every third of it):
   * a node killed with -9 frees its id within this time.
   */
  nodeLeaseTtlMs: number;
  logLevel: LogLevel;
  /** Lifetime of login tokens. */
  tokenTtlMs: number;
  /** A connection silent this long is closed with 4000. */
  idleTimeoutMs: number;
  /** `content` over this many UTF-8 bytes of JSON is refused with 1002. */
  maxContentBytes: number;
  /** `options` over this many UTF-8 bytes of JSON is refused with 1002. */
  maxOptionsBytes: number;
  /** Frames and HTTP bodies nested deeper than this are refused with 1000. */
  maxDepth: number;
  /** A frame over this closes the connection with 1009. */
  maxFrameBytes: number;
  /** SENDs per user. */
  rateLimit: RateLimit;
  /**
   * Reads per user, counted in rows: SYNC and HISTORY cost the messages they return (at least
   * 1), READ costs 1. A request is admitted while the bucket is positive.
   */
  readRateLimit: RateLimit;
  syncDefaultLimit: number;
  syncMaxLimit: number;
  historyDefaultLimit: number;
  historyMaxLimit: number;
  /** Failed logins allowed per account and per client address (HTTP 429 / 1003 beyond). */
  loginLimit: { perAccount: RateLimit; perAddress: RateLimit };
  /** Devices one user may have connected at once; one more is closed with 4004. */
  maxDevicesPerUser: number;
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | undefined;
  /** Most messages one store commit takes; more wait for the next one. */
  maxBatch: number;
  /** A device whose unsent pushes exceed this is closed with 1013 and must reconnect and SYNC. */
  maxBufferedBytes: number;
  /**
   * scrypt N for new password hashes (a power of two). Lower it only for throwaway servers (a
   * scenario run on :memory:): every register and login pays it.
   */
  scryptCost: number;
  /** The clock; tests inject one to expire tokens without waiting. */
  now: () => number;
}

export const DEFAULTS: Omit<ServerConfig, 'now'> = {
  host: '127.0.0.1',
  port: 7700,
  db: './im.db',
  busUrl: undefined,
  adminToken: undefined,
  nodeId: undefined,
  nodeLeaseTtlMs: 10_000,
  logLevel: 'info',
  tokenTtlMs: 7 * 24 * 3600 * 1000,
  idleTimeoutMs: 60_000,
  maxContentBytes: DEFAULT_MAX_CONTENT_BYTES,
  maxOptionsBytes: DEFAULT_MAX_OPTIONS_BYTES,
  maxDepth: DEFAULT_MAX_DEPTH,
  maxFrameBytes: 1024 * 1024,
  rateLimit: { burst: 500, perSecond: 1000 },
  readRateLimit: { burst: 5000, perSecond: 5000 },
  // 10 failures at once per account, then one every 3 s; 20 per address, then one every 2 s.
  loginLimit: { perAccount: { burst: 10, perSecond: 1 / 3 }, perAddress: { burst: 20, perSecond: 1 / 2 } },
  syncDefaultLimit: 100,
  syncMaxLimit: 500,
  historyDefaultLimit: 50,
  historyMaxLimit: 500,
  maxDevicesPerUser: 10,
  metricsToken: undefined,
  maxBatch: 512,
  maxBufferedBytes: 8 * 1024 * 1024,
  scryptCost: DEFAULT_SCRYPT_COST,
};

export type ServerOptions = Partial<Omit<ServerConfig, 'rateLimit' | 'readRateLimit' | 'loginLimit'>> & {
  loginLimit?: { perAccount?: Partial<RateLimit>; perAddress?: Partial<RateLimit> };
  rateLimit?: Partial<RateLimit>;
  readRateLimit?: Partial<RateLimit>;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function positiveInt(name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new ConfigError(`${name} must be an integer >= ${min}, got ${v}`);
}

const definedOnly = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Merges defaults once, rejects contradictions, freezes. */
export function resolveConfig(options: ServerOptions = {}): Readonly<ServerConfig> {
  const defined = definedOnly(options);
  const config: ServerConfig = {
    ...DEFAULTS,
    now: Date.now,
    ...defined,
    rateLimit: { ...DEFAULTS.rateLimit, ...definedOnly(options.rateLimit) },
    readRateLimit: { ...DEFAULTS.readRateLimit, ...definedOnly(options.readRateLimit) },
    loginLimit: {
      perAccount: { ...DEFAULTS.loginLimit.perAccount, ...definedOnly(options.loginLimit?.perAccount) },
      perAddress: { ...DEFAULTS.loginLimit.perAddress, ...definedOnly(options.loginLimit?.perAddress) },
    },
  };
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError(`port must be 0-65535, got ${config.port}`);
  }
  if (config.nodeId !== undefined && (!Number.isInteger(config.nodeId) || config.nodeId < 0 || config.nodeId > MAX_NODE_ID)) {
    throw new ConfigError(`node id must be 0-${MAX_NODE_ID}, got ${config.nodeId}`);
  }
  positiveInt('node lease TTL', config.nodeLeaseTtlMs, 3);
  if (!LOG_LEVELS.includes(config.logLevel)) {
    throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}, got ${config.logLevel}`);
  }
  if (config.adminToken !== undefined && config.adminToken.length < 8) {
    throw new ConfigError('admin token must be at least 8 characters');
  }
  if (config.busUrl !== undefined && !/^rediss?:\/\//i.test(config.busUrl)) {
    throw new ConfigError(`bus must be a redis:// URL (or unset for the in-process bus), got "${config.busUrl}"`);
  }
  positiveInt('token TTL', config.tokenTtlMs);
  positiveInt('idle timeout', config.idleTimeoutMs);
  positiveInt('max content bytes', config.maxContentBytes);
  positiveInt('max options bytes', config.maxOptionsBytes);
  positiveInt('max nesting depth', config.maxDepth, 2);
  positiveInt('max frame bytes', config.maxFrameBytes);
  if (config.maxFrameBytes < config.maxContentBytes) {
    throw new ConfigError('max frame bytes must be at least max content bytes');
  }
  positiveInt('rate limit burst', config.rateLimit.burst);
  if (!(config.rateLimit.perSecond > 0)) throw new ConfigError('rate limit per second must be > 0');
  positiveInt('read rate limit burst', config.readRateLimit.burst);
  if (!(config.readRateLimit.perSecond > 0)) throw new ConfigError('read rate limit per second must be > 0');
  positiveInt('sync limit', config.syncDefaultLimit);
  positiveInt('history limit', config.historyDefaultLimit);
  if (config.syncDefaultLimit > config.syncMaxLimit || config.historyDefaultLimit > config.historyMaxLimit) {
    throw new ConfigError('a default page limit cannot exceed its maximum');
  }
  positiveInt('max batch', config.maxBatch);
  positiveInt('max devices per user', config.maxDevicesPerUser);
  if (config.metricsToken !== undefined && config.metricsToken.length < 8) {
    throw new ConfigError('metrics token must be at least 8 characters');
  }
  positiveInt('max buffered bytes', config.maxBufferedBytes);
  if (!Number.isInteger(Math.log2(config.scryptCost)) || config.scryptCost < 2) {
    throw new ConfigError(`scrypt cost must be a power of two >= 2, got ${config.scryptCost}`);
  }
  Object.freeze(config.rateLimit);
  Object.freeze(config.readRateLimit);
  for (const [name, limit] of Object.entries(config.loginLimit)) {
    positiveInt(`login limit ${name} burst`, limit.burst);
    if (!(limit.perSecond > 0)) throw new ConfigError(`login limit ${name} per second must be > 0`);
    Object.freeze(limit);
  }
  Object.freeze(config.loginLimit);
  return Object.freeze(config);
}
