import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { range, sortedNumbers } from '../helpers/frames.js';
import { groupText, text, textSend } from '../helpers/messages.js';
import { PG_URL, REDIS_URL } from '../helpers/cluster-services.js';
import { useInProcessCluster } from '../helpers/cluster-nodes.js';
import { befriend, connectUser, registerUsers, type TestServer, type TestUser } from '../helpers/server.js';

/**
 * Two `im` nodes on one PostgreSQL database and one Redis bus are one server: a token from one
 * works on the other, a message sent on one is pushed on the other with the receiver's pts, seq
 * stays gap-free under concurrent sends from both, and a device connecting on one node KICKs its
 * older connection on the other. Real PostgreSQL and Redis (IM_TEST_PG_URL, IM_TEST_REDIS_URL).
 */

if (!PG_URL || !REDIS_URL) {
  console.log('Cluster tests skipped: set IM_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres and IM_TEST_REDIS_URL=redis://127.0.0.1:6379 to run them');
}

describe.skipIf(!PG_URL || !REDIS_URL)('two nodes on PostgreSQL + Redis', () => {
  const nodes = useInProcessCluster();

  async function cluster(): Promise<[TestServer, TestServer]> {
    const [one, two] = await nodes.start(2);
    return [one!, two!];
  }

  /** A device of `user` on `server` (its token is valid on every node), closed after the test. */
  async function connect(server: TestServer, user: TestUser, device?: string) {
    const client = await connectUser(server, { ...user, http: server.http.withToken(user.token) }, device);
    nodes.defer(() => client.close());
    return client;
  }

  /** Two nodes; alice and bob, friends, registered on node 1; alice connected there, bob on node 2. */
  async function friendsOnTwoNodes() {
    const [n1, n2] = await cluster();
    const [alice, bob] = await registerUsers(n1, ['alice', 'bob']);
    await befriend(alice!, bob!);
    return { n1, n2, alice: alice!, bob: bob!, aliceWs: await connect(n1, alice!), bobWs: await connect(n2, bob!) };
  }

  it('delivers a message sent on node 1 to a device on node 2, with the token of node 1', async () => {
    const { aliceWs, bobWs } = await friendsOnTwoNodes();

    const ack = await aliceWs.send(text('bob', 'across nodes'));
    const push = await bobWs.waitFor(match.push({ text: 'across nodes' }));

    expect(ack.stamp).toMatchObject({ seq: 1, pts: 1 });
    expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, seq: 1, pts: 1 });
    expect(push.route.from).toBe('alice');
    // SYNC on node 2 returns it too
    expect((await bobWs.sync(0)).content.messages.map((m) => m.stamp.msgId)).toEqual([ack.stamp.msgId]);
  });

  it('keeps seq gap-free and unique, and each user\'s pts contiguous, under concurrent sends on both nodes', async () => {
    const { aliceWs, bobWs } = await friendsOnTwoNodes();

    const acks = await Promise.all([
      ...range(1, 100).map((i) => aliceWs.send(text('bob', `a${i}`))),
      ...range(1, 100).map((i) => bobWs.send(text('alice', `b${i}`))),
    ]);

    expect(sortedNumbers(acks.map((a) => a.stamp.seq))).toEqual(range(1, 200));
    const history = await aliceWs.syncAll(0, 500);
    expect(history.messages.map((m) => m.stamp.pts)).toEqual(range(1, 200));
    expect(sortedNumbers(history.messages.map((m) => m.stamp.seq))).toEqual(range(1, 200));
    const convIds = new Set(history.messages.map((m) => m.stamp.convId));
    expect([...convIds]).toEqual([pairConvId(ConvType.SINGLE, 'alice', 'bob')]);
  });

  it('returns the first stamp to a retry (same clientMsgId) sent on the other node, and stores it once', async () => {
    const { n2, alice, aliceWs, bobWs } = await friendsOnTwoNodes();
    const aliceOnNode2 = await connect(n2, alice, 'laptop');

    const first = await aliceWs.send(text('bob', 'once', { clientMsgId: 'c-1' }));
    const retry = await aliceOnNode2.send(text('bob', 'once, again', { clientMsgId: 'c-1' }));

    expect(retry.stamp).toMatchObject({ msgId: first.stamp.msgId, seq: first.stamp.seq });
    expect((await bobWs.sync(0)).content.messages).toHaveLength(1);
  });

  it('refuses a member removed on node 1 at once on node 2, and delivers group, chatroom and READ_NOTIFY frames across nodes', async () => {
    const [n1, n2] = await cluster();
    const [alice, bob, carol] = await registerUsers(n1, ['alice', 'bob', 'carol']);
    await alice!.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob', 'carol'] });
    await alice!.http.groupCreate({ groupId: 'room', type: ConvType.CHATROOM, name: 'Room', members: ['bob'] });
    const aliceWs = await connect(n1, alice!);
    const bobWs = await connect(n2, bob!);
    const bobOnNode1 = await connect(n1, bob!, 'laptop');
    const carolWs = await connect(n2, carol!);

    // a GROUP message from node 1 reaches both members on node 2, each with their own pts
    const ack = await aliceWs.send(groupText('team', 'hello team'));
    expect((await bobWs.waitFor(match.push({ text: 'hello team' }))).stamp).toMatchObject({ seq: ack.stamp.seq, pts: 1 });
    await carolWs.waitFor(match.push({ text: 'hello team' }));
    // a CHATROOM message reaches the member online on the other node (no pts: read diffusion)
    await aliceWs.send(textSend(ConvType.CHATROOM, 'room', 'hello room'));
    expect((await bobWs.waitFor(match.push({ text: 'hello room' }))).stamp.pts).toBeUndefined();
    // bob's READ on node 2 notifies his other device, on node 1
    await bobWs.read('group:team', ack.stamp.seq!);
    expect((await bobOnNode1.waitFor(match.readNotify({ convId: 'group:team', userId: 'bob' }))).content.readSeq).toBe(ack.stamp.seq);

    // carol is removed on node 1; her very next SEND on node 2 is refused
    await alice!.http.groupRemoveMembers('team', ['carol']);
    await expect(carolWs.send(groupText('team', 'still here?'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
  });

  it('KICKs a device on node 1 when the same device connects on node 2', async () => {
    const [n1, n2] = await cluster();
    const [alice] = await registerUsers(n1, ['alice']);
    const older = await connect(n1, alice!, 'phone');
    const newer = await connect(n2, alice!, 'phone');

    expect((await older.waitFor(match.kick())).content.reason).toEqual(expect.any(String));
    expect((await older.waitForClose()).code).toBe(4001);
    expect(newer.isOpen).toBe(true);
  });
});
