import { describe, expect, it } from 'vitest';
import type { ImClient } from '../../src/client/im-client.js';
import { match } from '../../src/client/match.js';
import { PG_URL, REDIS_URL } from '../helpers/cluster-services.js';
import { useInProcessCluster } from '../helpers/cluster-nodes.js';
import { pushesOf, range, untilFrames } from '../helpers/frames.js';
import { text } from '../helpers/messages.js';
import { befriend, connectUser, registerUsers, type TestServer, type TestUser } from '../helpers/server.js';

/**
 * Issue 10 §3: every device gets its pushes in pts order with no gap even when they are committed
 * on two nodes, whose publishes can reach Redis in either order. Real PostgreSQL and Redis
 * (IM_TEST_PG_URL, IM_TEST_REDIS_URL); skipped without them.
 */

const PER_SENDER = 200;
const WINDOW = 16;

describe.skipIf(!PG_URL || !REDIS_URL)('push order across two nodes', () => {
  const nodes = useInProcessCluster();

  async function cluster(): Promise<[TestServer, TestServer]> {
    const [one, two] = await nodes.start(2);
    return [one!, two!];
  }

  async function connect(server: TestServer, user: TestUser, device?: string): Promise<ImClient> {
    const client = await connectUser(server, { ...user, http: server.http.withToken(user.token) }, device);
    nodes.defer(() => client.close());
    return client;
  }

  /** Sends `n` messages to `to`, at most `window` unacknowledged at a time. */
  async function sendWindowed(client: ImClient, to: string, n: number, window: number): Promise<void> {
    let next = 1;
    const lane = async (): Promise<void> => {
      while (next <= n) await client.send(text(to, `${client.userId}/${next++}`));
    };
    await Promise.all(range(1, window).map(lane));
  }

  it('pushes to bob\'s devices on both nodes in strictly increasing pts, gap-free, while alice (node 1) and carol (node 2) send to him at once', async () => {
    const [n1, n2] = await cluster();
    const [alice, bob, carol] = await registerUsers(n1, ['alice', 'bob', 'carol']);
    await befriend(alice!, bob!);
    await befriend(carol!, bob!);
    const aliceWs = await connect(n1, alice!);
    const carolWs = await connect(n2, carol!);
    const bobPhone = await connect(n1, bob!, 'phone');
    const bobLaptop = await connect(n2, bob!, 'laptop');

    await Promise.all([sendWindowed(aliceWs, 'bob', PER_SENDER, WINDOW), sendWindowed(carolWs, 'bob', PER_SENDER, WINDOW)]);
    const total = 2 * PER_SENDER;
    await Promise.all([bobPhone, bobLaptop].map((d) => untilFrames(d, match.push(), total, 20_000)));
    // One more after everything: any extra or late PUSH would have come before it.
    await aliceWs.send(text('bob', 'last'));
    await Promise.all([bobPhone, bobLaptop].map((d) => d.waitFor(match.push({ text: 'last' }))));

    const inbox = (await bobPhone.syncAll(0, 1000)).messages.map((m) => [m.stamp.pts, m.stamp.msgId]);
    expect(inbox.map(([pts]) => pts)).toEqual(range(1, total + 1));
    for (const device of [bobPhone, bobLaptop]) {
      expect(pushesOf(device).map((p) => p.stamp.pts)).toEqual(range(1, total + 1));
      expect(pushesOf(device).map((p) => [p.stamp.pts, p.stamp.msgId])).toEqual(inbox);
    }
  }, 60_000);
});
