import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '../../src/protocol/codes.js';
import { isImRequestError } from '../../src/client/index.js';
import { text } from '../helpers/messages.js';
import { PG_URL, REDIS_URL } from '../helpers/cluster-services.js';
import { useInProcessCluster } from '../helpers/cluster-nodes.js';
import { befriend, connectUser, registerUsers, type StartServerOptions, type TestServer, type TestUser } from '../helpers/server.js';

/**
 * What is counted per user holds across the nodes of a cluster, however the user's devices and
 * requests are spread: the SEND rate limit and the login throttle (buckets in Redis), the device
 * cap (presence in PostgreSQL, counting only connections of nodes that hold their lease). And a
 * node whose node id another node took stops by itself. Real PostgreSQL and Redis.
 */

describe.skipIf(!PG_URL || !REDIS_URL)('per-user limits across the nodes of a cluster', () => {
  const inProcess = useInProcessCluster();

  /** Two nodes; without an admin token unless `options` gives one (the shared-token test needs none). */
  async function cluster(options: StartServerOptions = {}): Promise<{ n1: TestServer; n2: TestServer; db: string }> {
    const [n1, n2] = (await inProcess.start(2, { adminToken: undefined, ...options })) as [TestServer, TestServer];
    return { n1, n2, db: n1.config.db };
  }

  async function connect(server: TestServer, user: TestUser, device: string) {
    const client = await connectUser(server, user, device);
    inProcess.defer(() => client.close());
    return client;
  }

  it('refuses the SEND past the burst whichever node it comes through: alice@phone on node 1, alice@laptop on node 2', async () => {
    const { n1, n2 } = await cluster({ rateLimit: { burst: 3, perSecond: 0.001 } });
    const [alice, bob] = await registerUsers(n1, ['alice', 'bob']);
    await befriend(alice!, bob!);
    const phone = await connect(n1, alice!, 'phone');
    const laptop = await connect(n2, alice!, 'laptop');

    await phone.send(text('bob', 'one'));
    await laptop.send(text('bob', 'two'));
    await phone.send(text('bob', 'three'));
    const over = await laptop.send(text('bob', 'four')).catch((e: unknown) => e);

    expect(isImRequestError(over) && over.code).toBe(ErrorCode.RATE_LIMITED);
    // The user's bucket, not the node's: bob, on the same nodes, is not limited by alice's SENDs.
    const bobWs = await connect(n2, bob!, 'phone');
    await expect(bobWs.send(text('alice', 'mine'))).resolves.toMatchObject({ stamp: { seq: expect.any(Number) } });
  });

  it('throttles failed logins of one account across nodes: after the burst on node 1, node 2 answers 429 too', async () => {
    const { n1, n2 } = await cluster({ loginLimit: { perAccount: { burst: 3, perSecond: 0.001 } } });
    await registerUsers(n1, ['carol']);
    const login = (node: TestServer) => node.http.raw('POST', '/openapi/v1/user/login', { userId: 'carol', password: 'wrong-password' });
    for (let i = 0; i < 3; i++) expect((await login(n1)).status).toBe(401);
    const throttled = await login(n2);
    expect(throttled.status).toBe(429);
    expect((throttled.json as { code: number }).code).toBe(ErrorCode.RATE_LIMITED);
  });

  it('caps devices per user across nodes, and stops counting a node once it has gone', async () => {
    const { n1, n2 } = await cluster({ maxDevicesPerUser: 2 });
    const [alice, bob] = await registerUsers(n1, ['alice', 'bob']);
    await befriend(alice!, bob!);
    await connect(n1, alice!, 'phone');
    await connect(n2, alice!, 'laptop');

    // A third device, on either node, is one too many.
    const tablet = await connect(n1, alice!, 'tablet');
    expect((await tablet.waitForClose()).code).toBe(CloseCode.TOO_MANY_DEVICES);
    // The same device again replaces itself: never refused.
    const laptopAgain = await connect(n2, alice!, 'laptop');
    await laptopAgain.ping();
    expect(laptopAgain.isOpen).toBe(true);

    // Node 2 stops: its connection (the laptop) no longer counts, so a new device fits on node 1.
    await n2.close();
    const watch = await connect(n1, alice!, 'watch');
    await watch.ping();
    expect(watch.isOpen).toBe(true);
  });

  it('gives nodes started without an admin token the one kept in the database: /system/send works on either', async () => {
    const { n1, n2 } = await cluster();
    expect(n2.adminToken).toBe(n1.adminToken);
    const [dave] = await registerUsers(n1, ['dave']);
    const daveWs = await connect(n2, dave!, 'phone');
    await n2.admin.systemSend({ to: 'dave', msgType: 1, content: { text: 'maintenance at noon' } });
    await expect(daveWs.waitFor((f) => f.header.cmd === 20)).resolves.toMatchObject({ content: { text: 'maintenance at noon' } });
  });

  it('stops a node whose node id another node took (it could not renew its lease in time), with a reason', async () => {
    const { n1, db } = await cluster({ nodeLeaseTtlMs: 600 });
    // Another instance takes node 1's id, as if node 1 had been away longer than its lease.
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    inProcess.defer(() => client.end());
    await client.query('UPDATE nodes SET instance = $1, expires_at = $2 WHERE node_id = $3', ['thief', Date.now() + 60_000, n1.nodeId]);

    const reason = await n1.failed;
    expect(reason.message).toMatch(new RegExp(`node id ${n1.nodeId} was taken by another node .* this node stopped so that msgIds cannot collide`));
    const health = await fetch(`${n1.httpUrl}/healthz`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(health).toBe('refused');
  });
});
