import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the cluster tests use (IM_TEST_PG_URL), or undefined: they skip. */
export const PG_URL = process.env.IM_TEST_PG_URL;
/** The Redis server the cluster tests use (IM_TEST_REDIS_URL), or undefined: they skip. */
export const REDIS_URL = process.env.IM_TEST_REDIS_URL;

/** The URL of database `name` on the server `serverUrl` points at. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestDatabase {
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** A new, empty database on the IM_TEST_PG_URL server; `drop()` removes it (connections included). */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  // Generated from hex digits only: safe as an identifier.
  const name = `im_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(serverUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
