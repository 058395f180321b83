import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { silentLogger, type Logger } from '../../logger.js';
import type { Bus, BusEvent } from '../bus.js';
import { busChannel, checkRedisUrl, RedisBusError } from './redis-target.js';

export { RedisBusError } from './redis-target.js';

export interface RedisBusOptions {
  /** Names the channel, `im:<clusterId>:bus`: the nodes of one cluster share it, other clusters never see it. */
  clusterId: string;
  logger?: Logger;
  /** How long `connect` waits for both connections before it gives up (default 10 s). */
  connectTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Events written to the socket and not yet answered. Past this (Redis hung, or a connection
 * that died without the kernel noticing yet) new events are dropped rather than queued.
 */
const MAX_IN_FLIGHT = 10_000;
/** Events in one Redis message at most: a burst of commits becomes several messages, not one huge one. */
const MAX_BATCH = 1000;
/** How long `close` lets QUIT (and the socket's end) take before it cuts the connection. */
const CLOSE_GRACE_MS = 2_000;

/** Reconnect after 100 ms, 200 ms, … at most every 2 s, forever: a node outlives a Redis restart. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2_000);

/**
 * The Bus port over Redis pub/sub, for several `im serve` nodes. The events a node publishes in
 * one turn of its event loop travel as one JSON message on the cluster's channel
 * `im:<clusterId>:bus`, `{"node": <this bus's id>, "events": [...]}` (at most MAX_BATCH events):
 * one PUBLISH, one parse per node, instead of one per event (a committed batch of a hundred
 * messages was a hundred of each). A node hands its own events to its own handlers directly, at
 * the same moment, and skips them when Redis echoes them back. Two connections, because a
 * connection in subscriber mode can do nothing else:
 *
 * - the publisher sends PUBLISH in order on one socket, so events of one node arrive everywhere
 *   in publish order. It has **no offline queue** (`enableOfflineQueue: false`) and never resends
 *   (`autoResendUnfulfilledCommands: false`, `maxRetriesPerRequest: 0`): while Redis is
 *   unreachable, `publish` drops the event for the other nodes, counts it (`dropped`), logs one
 *   warning per outage, and still hands it to this node's own handlers, so the node keeps acking
 *   its SENDs and pushing to its own devices. That is the port's at-most-once: a resend could
 *   deliver twice, a queue would grow without bound, and the store has every message anyway (a
 *   device catches up with SYNC). At most `MAX_IN_FLIGHT` events wait for Redis's answer; beyond
 *   that events are dropped too.
 * - the subscriber SUBSCRIBEs once, when the first handler subscribes; `subscribe()` resolves
 *   when Redis has confirmed it. ioredis reconnects by itself and, with `autoResubscribe`,
 *   subscribes again: events published while the subscriber is away are lost (at-most-once).
 */
/** How long /healthz waits for Redis to answer. */
const PING_TIMEOUT_MS = 1000;

export class RedisBus implements Bus {
  /**
   * Connects both connections; rejects with a `RedisBusError` naming the URL (password hidden)
   * when the URL or cluster id is malformed, or Redis does not answer within `connectTimeoutMs`.
   * Only this module loads ioredis: the composition root imports it lazily.
   */
  static async connect(url: string, options: RedisBusOptions): Promise<RedisBus> {
    const channel = busChannel(options.clusterId);
    const where = checkRedisUrl(url);
    const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const common: RedisOptions = { lazyConnect: true, connectTimeout: timeoutMs, retryStrategy };
    const pub = new Redis(url, {
      ...common,
      connectionName: 'im-bus-pub',
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
    });
    const sub = new Redis(url, { ...common, connectionName: 'im-bus-sub', autoResubscribe: true });
    const bus = new RedisBus(pub, sub, channel, where, options.logger ?? silentLogger);
    try {
      await withTimeout(Promise.all([pub.connect(), sub.connect()]), timeoutMs, `no answer within ${timeoutMs} ms`);
    } catch (e) {
      // "Connection is closed." says less than the socket error that caused it.
      const why = bus.lastError?.message ?? (e as Error).message;
      bus.abort();
      throw new RedisBusError(`cannot connect to Redis at ${where}: ${why}`);
    }
    bus.logger.info('redis bus connected', { url: where, channel });
    return bus;
  }

  private readonly handlers = new Set<(event: BusEvent) => void>();
  /** Names this bus in the messages it publishes, so that it can skip them when they come back. */
  private readonly id = randomUUID();
  /** This turn's events, in publish order, each with whether it goes to the other nodes too. */
  private pending: { event: BusEvent; remote: boolean }[] = [];
  private flushScheduled = false;
  /** The SUBSCRIBE of the channel, while at least one handler is registered. */
  private subscribed: Promise<void> | undefined;
  private inFlight = 0;
  private droppedCount = 0;
  /** Whether the current outage has been logged (reset when the publisher is ready again). */
  private outageLogged = false;
  private closing: Promise<void> | undefined;
  /** The last connection error, for the message when `connect` fails. */
  private lastError: Error | undefined;

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    /** `im:<clusterId>:bus`. */
    readonly channel: string,
    private readonly where: string,
    private readonly logger: Logger,
  ) {
    const onError = (role: string) => (error: Error) => {
      this.lastError = error;
      this.logger.debug('redis bus connection error', { role, url: where, error: error.message });
    };
    pub.on('error', onError('publisher'));
    sub.on('error', onError('subscriber'));
    for (const [role, conn] of [['publisher', pub], ['subscriber', sub]] as const) {
      let wasReady = false;
      let up = false;
      conn.on('ready', () => {
        if (wasReady) this.logger.info('redis bus reconnected', { role, url: where, dropped: this.droppedCount });
        wasReady = up = true;
        if (role === 'publisher') this.outageLogged = false;
      });
      conn.on('close', () => {
        if (this.closing || !up) return;
        up = false;
        this.logger.warn('redis bus lost its connection; reconnecting, events are dropped meanwhile', { role, url: where });
      });
    }
    sub.on('message', (from: string, text: string) => this.receive(from, text));
  }

  /** Events dropped since `connect` because Redis was unreachable (or slow beyond `MAX_IN_FLIGHT`). */
  get dropped(): number {
    return this.droppedCount;
  }

  /** A PING on the publisher's connection, answered within a second; rejects while Redis is away. */
  async ping(): Promise<void> {
    if (this.pub.status !== 'ready') throw new Error(`redis bus is ${this.pub.status}`);
    await withTimeout(this.pub.ping(), PING_TIMEOUT_MS, `no PONG within ${PING_TIMEOUT_MS} ms`);
  }

  /**
   * Never throws and never waits: the event leaves with the rest of this turn's (setImmediate),
   * to this node's handlers and, in one message, to the other nodes. An event that cannot go out
   * now is dropped for the other nodes and counted, and still handed to this node's handlers, so
   * its own devices get their SEND_ACKs and pushes while Redis is away.
   */
  publish(event: BusEvent): void {
    if (this.closing) return;
    const remote = this.pub.status === 'ready' && this.inFlight < MAX_IN_FLIGHT;
    if (remote) this.inFlight++;
    else this.drop();
    this.pending.push({ event, remote });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  async subscribe(handler: (event: BusEvent) => void): Promise<() => Promise<void>> {
    if (this.closing) throw new RedisBusError(`the Redis bus on ${this.where} is closed`);
    // A fresh entry per call: subscribing one function twice gives two subscriptions.
    const entry = (event: BusEvent) => handler(event);
    this.handlers.add(entry);
    const subscribing = (this.subscribed ??= this.sub.subscribe(this.channel).then(() => undefined));
    try {
      await subscribing;
    } catch (e) {
      this.handlers.delete(entry);
      if (this.subscribed === subscribing) this.subscribed = undefined;
      throw new RedisBusError(`cannot subscribe to ${this.channel} on ${this.where}: ${(e as Error).message}`);
    }
    let live = true;
    return async () => {
      if (!live) return;
      live = false;
      this.handlers.delete(entry);
      if (this.handlers.size > 0 || this.closing) return;
      this.subscribed = undefined;
      const unsubscribing = this.sub.unsubscribe(this.channel).then(
        () => undefined,
        () => undefined,
      );
      // While Redis is away the UNSUBSCRIBE waits in ioredis' queue: do not hold the caller up.
      if (this.sub.status === 'ready') await unsubscribing;
    };
  }

  /** Stops delivery at once, then QUITs both connections (cut after a short grace). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.handlers.clear();
      this.subscribed = undefined;
      await Promise.all([shut(this.pub), shut(this.sub)]);
    })();
    return this.closing;
  }

  /** After a failed connect: stop both connections (and their retries) without waiting for anything. */
  private abort(): void {
    this.closing ??= Promise.resolve();
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const pending = this.pending;
    this.pending = [];
    if (this.closing) return;
    const remote = pending.filter((p) => p.remote).map((p) => p.event);
    for (let at = 0; at < remote.length; at += MAX_BATCH) {
      const events = remote.slice(at, at + MAX_BATCH);
      try {
        const text = JSON.stringify({ node: this.id, events });
        this.pub.publish(this.channel, text).then(
          () => (this.inFlight -= events.length),
          () => {
            this.inFlight -= events.length;
            this.drop(events.length);
          },
        );
      } catch (e) {
        this.inFlight -= events.length;
        this.logger.error('redis bus could not publish events', { error: e });
      }
    }
    for (const { event } of pending) this.deliverHere(event);
  };

  private receive(from: string, text: string): void {
    if (from !== this.channel || this.handlers.size === 0) return;
    let batch: { node?: unknown; events?: unknown };
    try {
      batch = JSON.parse(text) as typeof batch;
    } catch (e) {
      this.logger.warn('redis bus got a message that is not JSON; dropped', { channel: from, error: e });
      return;
    }
    if (batch.node === this.id) return;
    if (!Array.isArray(batch.events)) {
      this.logger.warn('redis bus got a message without events; dropped', { channel: from });
      return;
    }
    for (const event of batch.events as BusEvent[]) this.deliverHere(event);
  }

  /** Hands `event` to every handler of this node; one that throws does not stop the others. */
  private deliverHere(event: BusEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (e) {
        // Thrown into ioredis' parser it would break the connection for everyone.
        this.logger.error('bus handler failed', { kind: event.kind, error: e });
      }
    }
  }

  private drop(events = 1): void {
    this.droppedCount += events;
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.logger.warn('redis bus is dropping events: Redis is unreachable (at-most-once; SYNC recovers stored messages)', {
      url: this.where,
      status: this.pub.status,
    });
  }
}

/** QUIT when connected (Redis answers what was sent first), then make sure the socket is gone. */
async function shut(conn: Redis): Promise<void> {
  if (conn.status === 'ready') await withTimeout(conn.quit(), CLOSE_GRACE_MS, 'QUIT timed out').catch(() => undefined);
  if (conn.status === 'end') return;
  // Between attempts ('reconnecting') or never connected ('wait') there is no socket to wait for:
  // disconnect() only cancels the next attempt.
  const socket = conn.status === 'ready' || conn.status === 'connect' || conn.status === 'connecting';
  const ended = socket ? new Promise<void>((resolve) => conn.once('end', () => resolve())) : undefined;
  conn.disconnect();
  if (ended) await withTimeout(ended, CLOSE_GRACE_MS, 'no end').catch(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
