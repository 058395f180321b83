import pg from 'pg';
import type { Pool } from 'pg';
import { redactUrl } from '../../redact-url.js';
import { StoreOpenError } from '../sqlite/store-open-error.js';
import { applyPgMigrations } from './migrations.js';

export interface PgPoolOptions {
  /** Connections per node (default 10). */
  maxConnections?: number;
  /** How long connecting may take before open fails (default 8,000 ms). */
  connectTimeoutMs?: number;
}

/**
 * A pool on the database at `url`, checked (one connection made) and migrated.
 * @throws StoreOpenError naming the URL (without password) and the fix for every failure a user
 * can cause: a malformed URL, an unreachable server, a refused login, a missing database, a schema
 * newer than this build.
 */
export async function openPool(url: string, options: PgPoolOptions = {}): Promise<Pool> {
  const where = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new StoreOpenError(where, `${where} is not a valid PostgreSQL URL; use postgres://user[:password]@host[:port]/database.`, { cause: e });
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol) || parsed.pathname.length <= 1) {
    throw new StoreOpenError(where, `${where} is not a valid PostgreSQL URL; use postgres://user[:password]@host[:port]/database.`);
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 8000;
  let pool: Pool | undefined;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      // Keeps a dead peer from hanging a query forever; the commit path retries nothing on it.
      keepAlive: true,
    });
    // An idle connection that dies (server restart) must not crash the process: the pool drops
    // it and the next query opens a new one.
    pool.on('error', () => undefined);
    // The pool stops listening to a client the moment it hands it out, and withTx listens only
    // after its await resumes: a FATAL read in the same chunk as the ReadyForQuery that freed the
    // client for the next waiter (pg_terminate_backend mid-load) was emitted with no listener
    // and stopped the process. With a listener for the client's whole life, its next query fails
    // instead, which withTx answers as 5001 and drops the connection.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const client = await pool.connect();
    try {
      await applyPgMigrations(client, where);
    } finally {
      client.release();
    }
    return pool;
  } catch (e) {
    await pool?.end().catch(() => undefined);
    throw e instanceof StoreOpenError ? e : explain(where, parsed, e);
  }
}

function explain(where: string, url: URL, e: unknown): StoreOpenError {
  const code = (e as { code?: unknown } | null)?.code;
  const reason = e instanceof Error ? e.message : String(e);
  const database = decodeURIComponent(url.pathname.slice(1));
  const server = `${url.hostname || 'localhost'}:${url.port || '5432'}`;
  const fail = (message: string) => new StoreOpenError(where, message, { cause: e });
  switch (code) {
    case '3D000':
      return fail(`database "${database}" does not exist on the PostgreSQL server at ${server} (${where}). Create it first (createdb ${database}, or CREATE DATABASE), then start again.`);
    case '28P01':
    case '28000':
      return fail(`PostgreSQL at ${server} refused the login in ${where} (${reason}). Check the user and password in the URL.`);
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return fail(`cannot reach PostgreSQL at ${server} for ${where} (${reason}). Check that the server runs and the host and port are right.`);
    default:
      if (/timeout/i.test(reason)) {
        return fail(`cannot reach PostgreSQL at ${server} for ${where}: no answer in time (${reason}). Check that the server runs and the host and port are right.`);
      }
      return fail(`cannot open ${where} (${typeof code === 'string' ? `${code}: ` : ''}${reason}).`);
  }
}
