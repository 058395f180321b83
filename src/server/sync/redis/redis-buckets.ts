import { Redis } from 'ioredis';
import type { RateLimit } from '../../config.js';
import type { Buckets, BucketsFactory } from '../../filter/buckets.js';
import { silentLogger, type Logger } from '../../logger.js';
import { busChannel, checkRedisUrl, RedisBusError } from './redis-target.js';

/**
 * The rate limits of a cluster, shared by its nodes: one token bucket per (limit, key) in Redis,
 * `im:<clusterId>:rl:<limit>:<key>`, updated by one Lua script so that concurrent nodes never
 * lose an update, and judged by Redis's clock so that nodes whose clocks differ agree. An idle
 * bucket expires once it would be full again.
 *
 * Fails open: while Redis does not answer (within COMMAND_TIMEOUT_MS), a request passes and one
 * warning per outage is logged. Limits protect the cluster from a noisy user; refusing everyone's
 * SENDs because Redis is away would turn a bus outage into a full one, while the store keeps
 * working (the bus is at-most-once too).
 */

const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 10_000;
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2_000);
/** Bucket operations in one script call at most (the script holds Redis for its whole run). */
const MAX_BATCH = 200;

// One call judges a turn's operations in order (the same bucket may come twice).
// KEYS[i] a bucket; ARGV[4i-3..4i] its burst, perSecond, cost, mode (take | peek | charge).
// Returns the wait in ms of each.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local waits = {}
for i = 1, #KEYS do
  local burst = tonumber(ARGV[4 * i - 3])
  local rate = tonumber(ARGV[4 * i - 2])
  local cost = tonumber(ARGV[4 * i - 1])
  local mode = ARGV[4 * i]
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
  local wait = 0
  if mode == 'charge' then
    tokens = math.max(-burst, tokens - cost)
  elseif tokens >= cost then
    if mode == 'take' then tokens = tokens - cost end
  else
    wait = math.max(1, math.ceil((cost - tokens) / rate * 1000))
  end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - tokens) / rate * 1000) + 1000)
  waits[i] = wait
end
return waits
`;

type Mode = 'take' | 'peek' | 'charge';

interface Op {
  key: string;
  args: [burst: number, perSecond: number, cost: number, mode: Mode];
  resolve(wait: number): void;
}

interface BucketRedis extends Redis {
  imBuckets(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

export class RedisBuckets {
  /** Connects; rejects with a `RedisBusError` naming the URL (password hidden) when Redis does not answer. */
  static async connect(url: string, options: { clusterId: string; logger?: Logger }): Promise<RedisBuckets> {
    const where = checkRedisUrl(url);
    // The channel's check of the cluster id; the keys carry the same id.
    busChannel(options.clusterId);
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy,
      connectionName: 'im-limits',
      // Never queue while disconnected, never wait long: a limit check that cannot be made passes.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
    }) as BucketRedis;
    redis.defineCommand('imBuckets', { lua: SCRIPT });
    let lastError: Error | undefined;
    redis.on('error', (e: Error) => (lastError = e));
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      throw new RedisBusError(`cannot connect to Redis at ${where}: ${(lastError ?? (e as Error)).message}`);
    }
    return new RedisBuckets(redis, `im:${options.clusterId}:rl:`, options.logger ?? silentLogger);
  }

  #failing = false;
  /** This turn's operations, sent as one script call (a call per SEND was a round trip each). */
  #pending: Op[] = [];
  #scheduled = false;

  private constructor(
    private readonly redis: BucketRedis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  readonly factory: BucketsFactory = (name, limit) => this.limit(name, limit);

  private limit(name: string, { burst, perSecond }: RateLimit): Buckets {
    const run = (key: string, cost: number, mode: Mode): Promise<number> =>
      new Promise((resolve) => {
        this.#pending.push({ key: `${this.prefix}${name}:${key}`, args: [burst, perSecond, cost, mode], resolve });
        if (this.#scheduled) return;
        this.#scheduled = true;
        setImmediate(this.#flush);
      });
    return {
      take: (key, cost = 1) => run(key, cost, 'take'),
      peek: (key, cost = 1) => run(key, cost, 'peek'),
      charge: (key, cost) => {
        if (cost > 0) void run(key, cost, 'charge');
      },
    };
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const all = this.#pending;
    this.#pending = [];
    for (let at = 0; at < all.length; at += MAX_BATCH) {
      const ops = all.slice(at, at + MAX_BATCH);
      this.redis.imBuckets(ops.length, ...ops.map((op) => op.key), ...ops.flatMap((op) => op.args)).then(
        (waits) => {
          if (this.#failing) this.logger.info('rate limits shared through Redis again');
          this.#failing = false;
          ops.forEach((op, i) => op.resolve(Number(waits[i] ?? 0)));
        },
        (e: unknown) => {
          if (!this.#failing) {
            this.logger.warn('rate limits cannot reach Redis: requests pass unlimited until it answers', { error: e instanceof Error ? e.message : String(e) });
          }
          this.#failing = true;
          for (const op of ops) op.resolve(0);
        },
      );
    }
  };

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
