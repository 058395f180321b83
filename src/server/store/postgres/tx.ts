import type { Pool, PoolClient } from 'pg';
import { namedQueries, withQuery } from './prepared.js';
import { asUnavailable } from './unavailable.js';

/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

/** How many times a transaction runs before its error is passed on. */
export const MAX_ATTEMPTS = 6;

/**
 * Thrown inside a transaction to make `withTx` roll back and run it again: the append path uses
 * it when a concurrent node committed the same (from, clientMsgId) between its check and its insert.
 */
export class RetryTransaction extends Error {
  override name = 'RetryTransaction';
}

const isRetryable = (e: unknown): boolean =>
  e instanceof RetryTransaction || RETRYABLE.has(String((e as { code?: unknown } | null)?.code));

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `body` in one READ COMMITTED transaction on one pooled connection, committing when it
 * returns and rolling back when it throws. A serialization failure (40001), a deadlock (40P01) or
 * a `RetryTransaction` runs it again, up to MAX_ATTEMPTS times with a short random pause, so
 * `body` must compute everything from what it reads inside the transaction.
 */
export async function withTx<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect().catch((e: unknown) => Promise.reject(asUnavailable(e)));
    let broken = false;
    // While a client is checked out the pool does not listen for its errors: a connection that
    // dies between two queries (pg_terminate_backend, a reset) would emit an unhandled 'error'
    // and stop the process. The query in flight, or the next one, fails instead.
    const onError = (): void => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await body(withQuery(client, namedQueries(client)));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is gone: do not return it to the pool
      }
      if (attempt >= MAX_ATTEMPTS || !isRetryable(e)) throw asUnavailable(e);
      await pause(Math.floor(Math.random() * 5 * attempt));
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
