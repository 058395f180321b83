import { afterEach } from 'vitest';
import type { ImClient } from '../../src/client/im-client.js';
import { PG_URL, REDIS_URL, createTestDatabase } from './cluster-services.js';
import { connectUser, startServer, type StartServerOptions, type TestServer, type TestUser } from './server.js';

/**
 * In-process cluster nodes for tests: N `createServer` nodes on a fresh PostgreSQL database (a
 * fresh cluster: its id lives in the database) and the IM_TEST_REDIS_URL bus. Typical use:
 *
 *   const c = useInProcessCluster();                       // cleans up after each test
 *   const [n1, n2, n3] = await c.start(3);
 *   const aliceWs = await c.connect(n3, alice);           // alice's token comes from any node
 */

export const ADMIN_TOKEN = 'cluster-test-admin-token';

export interface InProcessCluster {
  /** `n` nodes (node ids 1..n, one shared admin token), started one after the other. */
  start(n: number, options?: StartServerOptions): Promise<TestServer[]>;
  /** A device of `user` on `node` (the token is valid on every node), closed after the test. */
  connect(node: TestServer, user: TestUser, device?: string): Promise<ImClient>;
  /** `user` with an HTTP client aimed at `node`. */
  on(node: TestServer, user: TestUser): TestUser;
  /** Runs after the test, before the nodes close (last registered first). */
  defer(cleanup: () => Promise<unknown>): void;
}

export function useInProcessCluster(): InProcessCluster {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    const failures: unknown[] = [];
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        failures.push(e);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'cluster cleanup failed');
  });
  const cluster: InProcessCluster = {
    async start(n, options = {}) {
      const db = await createTestDatabase(PG_URL!);
      cleanups.push(() => db.drop());
      const nodes: TestServer[] = [];
      // One after the other: the first creates the schema and the cluster id, the others find them.
      for (let nodeId = 1; nodeId <= n; nodeId++) {
        const node = await startServer({ db: db.url, busUrl: REDIS_URL, nodeId, scryptCost: 1024, adminToken: ADMIN_TOKEN, ...options });
        cleanups.push(() => node.close());
        nodes.push(node);
      }
      return nodes;
    },
    async connect(node, user, device) {
      const client = await connectUser(node, cluster.on(node, user), device);
      cleanups.push(() => client.close());
      return client;
    },
    on(node, user) {
      return { ...user, http: node.http.withToken(user.token) };
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
  };
  return cluster;
}
