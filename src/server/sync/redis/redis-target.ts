import { redactUrl } from '../../redact-url.js';

/**
 * What the Redis bus checks before it touches the network: the URL and the channel. No ioredis
 * here, so these run (and fail) before any connection is made.
 */

/** Redis could not be reached or used; the message names the URL (password hidden) and says why. */
export class RedisBusError extends Error {
  override name = 'RedisBusError';
}

/** Throws a `RedisBusError` unless `url` is a `redis://` or `rediss://` URL; returns it redacted. */
export function checkRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisBusError(`"${redactUrl(url)}" is not a Redis URL; expected redis://host:port (or rediss:// for TLS)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisBusError(`"${redactUrl(url)}" is not a Redis URL: it must start with redis:// or rediss://`);
  }
  if (!u.hostname) throw new RedisBusError(`"${redactUrl(url)}" names no host; expected redis://host:port`);
  return redactUrl(url);
}

const CLUSTER_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The one pub/sub channel of a cluster: `im:<clusterId>:bus`. Clusters that share a Redis differ
 * by their id, so they never see each other's events.
 */
export function busChannel(clusterId: string): string {
  if (!CLUSTER_ID.test(clusterId)) {
    throw new RedisBusError(`cluster id "${clusterId}" is not valid: use 1 to 64 letters, digits, '.', '_' or '-'`);
  }
  return `im:${clusterId}:bus`;
}
