import type { Pool } from 'pg';
import { ErrorCode } from '../../../protocol/codes.js';
import { ImError } from '../../errors.js';
import { namedQueries, withQuery } from './prepared.js';

/**
 * SQLSTATE classes and socket errors that say the database, or the connection to it, is away —
 * not that the request was wrong: 08 (connection exception), 57P01–57P03 (the server is shutting
 * down, or terminated this backend), 53300 (too many connections).
 */
const CONNECTION_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const CONNECTION_MESSAGE = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|Connection terminated|terminating connection|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** How long a client is asked to wait before retrying: the pool reconnects within about this. */
const RETRY_AFTER_MS = 1000;

export function isConnectionLoss(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || CONNECTION_STATES.has(code))) return true;
  return typeof message === 'string' && CONNECTION_MESSAGE.test(message);
}

/**
 * `e`, or — when it is a lost connection — 5001 with `retryAfterMs`: a client may retry the
 * request (a SEND with the same clientMsgId), nothing half-written stays (one transaction).
 */
export function asUnavailable(e: unknown): unknown {
  if (!isConnectionLoss(e)) return e;
  return new ImError(ErrorCode.UNAVAILABLE, 'the database connection was lost; nothing was changed, retry', RETRY_AFTER_MS);
}

/**
 * The pool, with every `pool.query` made a named prepared statement (prepared.ts) and every
 * failure that is a lost connection turned into 5001.
 */
export function guardConnectionLoss(pool: Pool): Pool {
  const query = namedQueries(pool);
  return withQuery(pool, (...args) => (query(...args) as Promise<unknown>).catch((e: unknown) => Promise.reject(asUnavailable(e))));
}
