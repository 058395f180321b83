import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { SYSTEM_USER, groupConvId, pairConvId, systemConvId } from '../../src/protocol/ids.js';
import { connectRedisBus } from '../../src/server/create-server.js';
import type { Bus, BusEvent } from '../../src/server/sync/bus.js';
import { PG_URL, REDIS_URL } from '../helpers/cluster-services.js';
import { ADMIN_TOKEN, useInProcessCluster } from '../helpers/cluster-nodes.js';
import { historyAll, pushesOf } from '../helpers/frames.js';
import { groupText, strangerText, text, textTo } from '../helpers/messages.js';
import { befriend, registerUsers, startServer } from '../helpers/server.js';

/** A node's bus that never hands it a group-changed event, as if Redis lost every one. */
class NoGroupChangesBus implements Bus {
  constructor(private readonly inner: Bus) {}
  publish(event: BusEvent): void {
    this.inner.publish(event);
  }
  subscribe(handler: (event: BusEvent) => void): Promise<() => Promise<void>> {
    return this.inner.subscribe((event) => {
      if (event.kind !== 'group-changed') handler(event);
    });
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The cluster id the first node of the database `db` made (the bus channel's name carries it). */
async function clusterIdOf(db: string): Promise<string> {
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    return (await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'cluster-id'")).rows[0]!.value;
  } finally {
    await client.end();
  }
}

/**
 * Issue 10 §3: three nodes on one PostgreSQL database and one Redis bus are one server for every
 * conversation type. Each test puts the sender and the receivers on different nodes and checks
 * what each receiver's node pushes (with or without pts, per type), what SYNC and HISTORY on yet
 * another node return, and that membership changes made on one node hold on the others at once.
 * Real PostgreSQL and Redis (IM_TEST_PG_URL, IM_TEST_REDIS_URL); skipped without them.
 */

describe.skipIf(!PG_URL || !REDIS_URL)('three nodes: every conversation type across nodes', () => {
  const c = useInProcessCluster();

  it('SINGLE: a message from node 1 reaches the peer\'s devices on nodes 2 and 3 with one pts; the reply from node 3 reaches the sender on node 1 and the replier\'s other device on node 2', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob] = await registerUsers(n1!, ['alice', 'bob']);
    await befriend(alice!, bob!);
    const aliceWs = await c.connect(n1!, alice!);
    const bobPhone = await c.connect(n2!, bob!, 'phone');
    const bobLaptop = await c.connect(n3!, bob!, 'laptop');
    const conv = pairConvId(ConvType.SINGLE, 'alice', 'bob');

    const ack = await aliceWs.send(text('bob', 'hi from node 1'));
    expect(ack.stamp).toMatchObject({ convId: conv, seq: 1, pts: 1 });
    for (const device of [bobPhone, bobLaptop]) {
      const push = await device.waitFor(match.push({ text: 'hi from node 1' }));
      expect(push.route).toMatchObject({ convType: ConvType.SINGLE, from: 'alice', to: 'bob' });
      expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: conv, seq: 1, pts: 1 });
    }

    const reply = await bobLaptop.send(text('alice', 'hi from node 3'));
    expect(reply.stamp).toMatchObject({ convId: conv, seq: 2, pts: 2 });
    expect((await aliceWs.waitFor(match.push({ text: 'hi from node 3' }))).stamp).toMatchObject({ msgId: reply.stamp.msgId, seq: 2, pts: 2 });
    // the replier's other device (node 2) gets his own message as a PUSH, with his pts
    expect((await bobPhone.waitFor(match.push({ text: 'hi from node 3' }))).stamp).toMatchObject({ msgId: reply.stamp.msgId, seq: 2, pts: 2 });
    // the sending device never gets a PUSH of its own message
    expect(pushesOf(bobLaptop).map((p) => p.content.text)).toEqual(['hi from node 1']);

    // SYNC on node 2 and HISTORY on node 1 agree
    const sync = await bobPhone.sync(0);
    expect(sync.content.messages.map((m) => [m.stamp.pts, m.stamp.msgId])).toEqual([
      [1, ack.stamp.msgId],
      [2, reply.stamp.msgId],
    ]);
    expect((await historyAll(aliceWs, conv)).map((m) => [m.stamp.seq, m.content.text])).toEqual([
      [1, 'hi from node 1'],
      [2, 'hi from node 3'],
    ]);
  });

  it('STRANGER_CHAT: non-friends on nodes 1 and 3 talk, each with an inbox row and a pts; a receiver who disallows strangers is refused on another node', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob, carol] = await registerUsers(n1!, ['alice', 'bob', 'carol']);
    const aliceWs = await c.connect(n1!, alice!);
    const bobWs = await c.connect(n3!, bob!);
    const carolWs = await c.connect(n2!, carol!);
    const conv = pairConvId(ConvType.STRANGER_CHAT, 'alice', 'bob');

    const ack = await aliceWs.send(strangerText('bob', 'hello stranger'));
    const push = await bobWs.waitFor(match.push({ text: 'hello stranger' }));
    const back = await bobWs.send(strangerText('alice', 'hello yourself'));

    expect(ack.stamp).toMatchObject({ convId: conv, seq: 1, pts: 1 });
    expect(push.route).toMatchObject({ convType: ConvType.STRANGER_CHAT, from: 'alice', to: 'bob' });
    expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: conv, seq: 1, pts: 1 });
    expect(back.stamp).toMatchObject({ convId: conv, seq: 2, pts: 2 });
    expect((await aliceWs.waitFor(match.push({ text: 'hello yourself' }))).stamp).toMatchObject({ msgId: back.stamp.msgId, seq: 2, pts: 2 });

    // bob's setting, changed through node 2, holds at once on node 2 where carol sends
    await c.on(n2!, bob!).http.settings({ allowStrangers: false });
    await expect(carolWs.send(strangerText('bob', 'me too?'))).rejects.toMatchObject({ code: ErrorCode.STRANGERS_NOT_ALLOWED });
    expect((await bobWs.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['hello stranger', 'hello yourself']);
  });

  it('GROUP: a message sent on node 3 reaches members on nodes 1 and 2, each with their own pts, and SYNC on any node returns it', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob, carol, dave] = await registerUsers(n1!, ['alice', 'bob', 'carol', 'dave']);
    await befriend(alice!, dave!);
    await alice!.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob', 'carol'] });
    const conv = groupConvId(ConvType.GROUP, 'team');
    const aliceWs = await c.connect(n1!, alice!);
    const bobWs = await c.connect(n2!, bob!);
    const carolWs = await c.connect(n3!, carol!);
    const daveWs = await c.connect(n2!, dave!);
    // alice's pts is 1 ahead of the others': the group message is her pts 2, theirs 1
    await daveWs.send(text('alice', 'warm-up'));
    await aliceWs.waitFor(match.push({ text: 'warm-up' }));

    const ack = await carolWs.send(groupText('team', 'hello team'));

    expect(ack.stamp).toMatchObject({ convId: conv, seq: 1, pts: 1 });
    expect((await aliceWs.waitFor(match.push({ text: 'hello team' }))).stamp).toMatchObject({ msgId: ack.stamp.msgId, seq: 1, pts: 2 });
    expect((await bobWs.waitFor(match.push({ text: 'hello team' }))).stamp).toMatchObject({ msgId: ack.stamp.msgId, seq: 1, pts: 1 });
    expect((await aliceWs.sync(1)).content.messages.map((m) => [m.stamp.pts, m.stamp.msgId])).toEqual([[2, ack.stamp.msgId]]);
    expect((await bobWs.sync(0)).content.messages.map((m) => m.stamp.msgId)).toEqual([ack.stamp.msgId]);
    // dave, not a member, got nothing and may not read it
    await expect(daveWs.history({ convId: conv })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
    expect(daveWs.take(match.push({ text: 'hello team' }))).toEqual([]);
  });

  it('CHATROOM: a member online on node 3 gets the push without pts; a member offline then gets no push, only HISTORY, once back on node 2', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob, carol] = await registerUsers(n1!, ['alice', 'bob', 'carol']);
    await alice!.http.groupCreate({ groupId: 'lobby', type: ConvType.CHATROOM, name: 'Lobby' });
    await c.on(n2!, bob!).http.groupJoin('lobby');
    await c.on(n3!, carol!).http.groupJoin('lobby');
    const conv = groupConvId(ConvType.CHATROOM, 'lobby');
    const say = textTo(ConvType.CHATROOM, 'lobby');
    const aliceWs = await c.connect(n1!, alice!);
    const bobWs = await c.connect(n3!, bob!);

    // carol is offline: the message is pushed to bob (node 3) only
    const ack = await aliceWs.send(say('while carol is away'));
    expect(ack.stamp).toMatchObject({ convId: conv, seq: 1 });
    expect(ack.stamp).not.toHaveProperty('pts');
    const push = await bobWs.waitFor(match.push({ text: 'while carol is away' }));
    expect(push.route).toMatchObject({ convType: ConvType.CHATROOM, from: 'alice', to: 'lobby' });
    expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: conv, seq: 1 });
    expect(push.stamp).not.toHaveProperty('pts');

    // carol comes online on node 2: the next message (from node 3) reaches her, the earlier one never does
    const carolWs = await c.connect(n2!, carol!);
    await bobWs.send(say('marker'));
    expect((await carolWs.waitFor(match.push({ text: 'marker' }))).stamp).toMatchObject({ seq: 2 });
    await aliceWs.waitFor(match.push({ text: 'marker' }));
    expect(carolWs.take(match.push({ text: 'while carol is away' }))).toEqual([]);
    expect((await historyAll(carolWs, conv)).map((m) => [m.stamp.seq, m.content.text])).toEqual([
      [1, 'while carol is away'],
      [2, 'marker'],
    ]);
    // online-only: in nobody's SYNC
    for (const ws of [aliceWs, bobWs, carolWs]) expect((await ws.sync(0)).content.messages).toEqual([]);
  });

  it('CHANNEL: the owner posts on node 1, subscribers on nodes 2 and 3 get it without pts; a subscriber cannot post from node 3', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob, carol] = await registerUsers(n1!, ['alice', 'bob', 'carol']);
    await alice!.http.groupCreate({ groupId: 'news', type: ConvType.CHANNEL, name: 'News' });
    await c.on(n2!, bob!).http.groupJoin('news');
    await c.on(n3!, carol!).http.groupJoin('news');
    const conv = groupConvId(ConvType.CHANNEL, 'news');
    const post = textTo(ConvType.CHANNEL, 'news');
    const aliceWs = await c.connect(n1!, alice!);
    const bobWs = await c.connect(n2!, bob!);
    const carolWs = await c.connect(n3!, carol!);

    const ack = await aliceWs.send(post('edition 1'));

    expect(ack.stamp).toMatchObject({ convId: conv, seq: 1 });
    expect(ack.stamp).not.toHaveProperty('pts');
    for (const subscriber of [bobWs, carolWs]) {
      const push = await subscriber.waitFor(match.push({ text: 'edition 1' }));
      expect(push.route).toMatchObject({ convType: ConvType.CHANNEL, from: 'alice', to: 'news' });
      expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: conv, seq: 1 });
      expect(push.stamp).not.toHaveProperty('pts');
    }
    await expect(carolWs.send(post('may I?'))).rejects.toMatchObject({ code: ErrorCode.CHANNEL_READ_ONLY });
    // promoted on node 1, carol may post from node 3 at once
    await alice!.http.groupSetRole('news', 'carol', 'admin');
    const second = await carolWs.send(post('edition 2'));
    expect(second.stamp.seq).toBe(2);
    await bobWs.waitFor(match.push({ text: 'edition 2' }));
    expect((await historyAll(bobWs, conv)).map((m) => [m.stamp.seq, m.route.from, m.content.text])).toEqual([
      [1, 'alice', 'edition 1'],
      [2, 'carol', 'edition 2'],
    ]);
    expect((await bobWs.sync(0)).content.messages).toEqual([]);
  });

  it('MILLION_GROUP: read diffusion across nodes: pushes without pts on nodes 2 and 3, nothing in SYNC, maxSeq and unread seen from any node', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob, carol] = await registerUsers(n1!, ['alice', 'bob', 'carol']);
    await alice!.http.groupCreate({ groupId: 'crowd', type: ConvType.MILLION_GROUP, name: 'Crowd', members: ['bob', 'carol'] });
    const conv = groupConvId(ConvType.MILLION_GROUP, 'crowd');
    const say = textTo(ConvType.MILLION_GROUP, 'crowd');
    const aliceWs = await c.connect(n1!, alice!);
    const bobWs = await c.connect(n2!, bob!);
    const carolWs = await c.connect(n3!, carol!);

    const first = await aliceWs.send(say('hello crowd'));
    const second = await bobWs.send(say('hello from node 2'));

    expect(first.stamp).toMatchObject({ convId: conv, seq: 1 });
    expect(second.stamp).toMatchObject({ convId: conv, seq: 2 });
    for (const s of [first, second]) expect(s.stamp).not.toHaveProperty('pts');
    for (const [ws, textOf] of [
      [bobWs, 'hello crowd'],
      [carolWs, 'hello crowd'],
      [carolWs, 'hello from node 2'],
      [aliceWs, 'hello from node 2'],
    ] as const) {
      const push = await ws.waitFor(match.push({ text: textOf }));
      expect(push.route).toMatchObject({ convType: ConvType.MILLION_GROUP, to: 'crowd' });
      expect(push.stamp).not.toHaveProperty('pts');
    }
    for (const ws of [aliceWs, bobWs, carolWs]) expect((await ws.sync(0)).content.messages).toEqual([]);
    const { conversations } = await c.on(n3!, carol!).http.conversationList();
    expect(conversations.find((s) => s.convId === conv)).toMatchObject({ maxSeq: 2, readSeq: 0, unread: 2 });
    expect((await historyAll(carolWs, conv)).map((m) => m.stamp.msgId)).toEqual([first.stamp.msgId, second.stamp.msgId]);
  });

  it('CUSTOM_CONVERSATION: a member on node 2 sends; members on nodes 1 and 3 get it with a pts and in SYNC', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob, carol, dave] = await registerUsers(n1!, ['alice', 'bob', 'carol', 'dave']);
    await alice!.http.groupCreate({ groupId: 'club', type: ConvType.CUSTOM_CONVERSATION, name: 'Club', members: ['bob', 'carol'] });
    const conv = groupConvId(ConvType.CUSTOM_CONVERSATION, 'club');
    const say = textTo(ConvType.CUSTOM_CONVERSATION, 'club');
    const aliceWs = await c.connect(n1!, alice!);
    const bobWs = await c.connect(n2!, bob!);
    const carolWs = await c.connect(n3!, carol!);
    const daveWs = await c.connect(n3!, dave!);

    const ack = await bobWs.send(say('hi club'));

    expect(ack.stamp).toMatchObject({ convId: conv, seq: 1, pts: 1 });
    for (const member of [aliceWs, carolWs]) {
      const push = await member.waitFor(match.push({ text: 'hi club' }));
      expect(push.route).toMatchObject({ convType: ConvType.CUSTOM_CONVERSATION, from: 'bob', to: 'club' });
      expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: conv, seq: 1, pts: 1 });
      expect((await member.sync(0)).content.messages.map((m) => m.stamp.msgId)).toEqual([ack.stamp.msgId]);
    }
    await expect(daveWs.send(say('outsider'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
  });

  it('SYSTEM_CONVERSATION: /system/send on node 1 reaches the user on node 3 with their pts, and only them', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob] = await registerUsers(n1!, ['alice', 'bob']);
    await befriend(alice!, bob!);
    const aliceWs = await c.connect(n3!, alice!);
    const bobWs = await c.connect(n2!, bob!);
    await bobWs.send(text('alice', 'warm-up'));
    await aliceWs.waitFor(match.push({ text: 'warm-up' }));

    const stamp = await n1!.admin.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'welcome' } });

    expect(stamp).toMatchObject({ convId: systemConvId('alice'), seq: 1, pts: 2 });
    const push = await aliceWs.waitFor(match.push({ convId: systemConvId('alice') }));
    expect(push.route).toMatchObject({ convType: ConvType.SYSTEM_CONVERSATION, msgType: MsgType.SYSTEM, from: SYSTEM_USER, to: 'alice' });
    expect(push.content).toEqual({ text: 'welcome' });
    expect(push.stamp).toMatchObject({ msgId: stamp.msgId, seq: 1, pts: 2 });
    expect((await aliceWs.sync(1)).content.messages.map((m) => [m.stamp.pts, m.route.from, m.content.text])).toEqual([[2, SYSTEM_USER, 'welcome']]);
    // a second notice for bob, sent on node 3, is bob's alone
    await n3!.admin.systemSend({ to: 'bob', msgType: MsgType.SYSTEM, content: { text: 'for bob' } });
    await bobWs.waitFor(match.push({ text: 'for bob' }));
    expect(bobWs.take(match.push({ text: 'welcome' }))).toEqual([]);
    expect(aliceWs.take(match.push({ text: 'for bob' }))).toEqual([]);
  });

  it('READ_NOTIFY: a READ on node 2 notifies the reader\'s device on node 3 and, in a one-to-one chat, the peer on node 1', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob] = await registerUsers(n1!, ['alice', 'bob']);
    await befriend(alice!, bob!);
    await alice!.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob'] });
    const aliceWs = await c.connect(n1!, alice!);
    const bobPhone = await c.connect(n2!, bob!, 'phone');
    const bobLaptop = await c.connect(n3!, bob!, 'laptop');
    const single = pairConvId(ConvType.SINGLE, 'alice', 'bob');

    const dm = await aliceWs.send(text('bob', 'read me'));
    const team = await aliceWs.send(groupText('team', 'read me too'));
    await bobPhone.waitFor(match.push({ text: 'read me too' }));

    const readAck = await bobPhone.read(single, dm.stamp.seq!);
    expect(readAck.content).toMatchObject({ convId: single, readSeq: dm.stamp.seq, unread: 0 });
    expect((await bobLaptop.waitFor(match.readNotify({ convId: single, userId: 'bob' }))).content.readSeq).toBe(dm.stamp.seq);
    expect((await aliceWs.waitFor(match.readNotify({ convId: single, userId: 'bob' }))).content.readSeq).toBe(dm.stamp.seq);

    await bobPhone.read('group:team', team.stamp.seq!);
    expect((await bobLaptop.waitFor(match.readNotify({ convId: 'group:team', userId: 'bob' }))).content.readSeq).toBe(team.stamp.seq);
    // a group READ tells only the reader's devices, and never the reading device itself
    expect(aliceWs.take(match.readNotify({ convId: 'group:team' }))).toEqual([]);
    expect(bobPhone.take(match.readNotify())).toEqual([]);
    const { conversations } = await c.on(n3!, bob!).http.conversationList();
    expect(conversations.find((s) => s.convId === single)).toMatchObject({ readSeq: dm.stamp.seq, unread: 0 });
  });

  it('refuses a member removed on node 1 at once on node 3 (SEND and HISTORY), and pushes to them there no more', async () => {
    const [n1, n2, n3] = await c.start(3);
    const [alice, bob, carol] = await registerUsers(n1!, ['alice', 'bob', 'carol']);
    await alice!.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob', 'carol'] });
    const bobWs = await c.connect(n2!, bob!);
    const carolWs = await c.connect(n3!, carol!);
    // carol sends on node 3 while a member: accepted there
    await carolWs.send(groupText('team', 'before'));
    await bobWs.waitFor(match.push({ text: 'before' }));

    await alice!.http.groupRemoveMembers('team', ['carol']);

    // her very next SEND and HISTORY on node 3 are refused
    await expect(carolWs.send(groupText('team', 'after removal'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
    await expect(carolWs.history({ convId: 'group:team' })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
    // a message from node 2 then reaches the members but not her: a marker sent after it (node 1) reaches her, it did not
    const after = await bobWs.send(groupText('team', 'members only'));
    expect(after.stamp.seq).toBe(2);
    await alice!.http.groupCreate({ groupId: 'marker', type: ConvType.GROUP, name: 'Marker', members: ['carol'] });
    await (await c.connect(n1!, alice!)).send(groupText('marker', 'marker'));
    await carolWs.waitFor(match.push({ text: 'marker' }));
    expect(carolWs.take(match.push({ text: 'members only' }))).toEqual([]);
    expect((await carolWs.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['before', 'marker']);
  });

  it('MILLION_GROUP fan-out follows membership on a node that never hears group-changed: the message\'s membership version makes it read the members again', async () => {
    const [n1, n3] = await c.start(2);
    // node 2 shares the database and the bus, but every group-changed event is kept from it
    const bus = new NoGroupChangesBus(await connectRedisBus(REDIS_URL!, { clusterId: await clusterIdOf(n1!.config.db) }));
    const n2 = await startServer({ db: n1!.config.db, busUrl: REDIS_URL, bus, nodeId: 3, scryptCost: 1024, adminToken: ADMIN_TOKEN });
    c.defer(() => n2.close());
    const [alice, bob, carol, dave] = await registerUsers(n1!, ['alice', 'bob', 'carol', 'dave']);
    await alice!.http.groupCreate({ groupId: 'crowd', type: ConvType.MILLION_GROUP, name: 'Crowd', members: ['bob', 'carol'] });
    await alice!.http.groupCreate({ groupId: 'marker', type: ConvType.MILLION_GROUP, name: 'Marker', members: ['carol'] });
    const say = textTo(ConvType.MILLION_GROUP, 'crowd');
    const aliceWs = await c.connect(n3!, alice!);
    const [bobWs, carolWs, daveWs] = await Promise.all([c.connect(n2, bob!), c.connect(n2, carol!), c.connect(n2, dave!)]);
    // node 2 holds the crowd's members at its first version
    await aliceWs.send(say('before'));
    for (const ws of [bobWs, carolWs]) await ws.waitFor(match.push({ text: 'before' }));

    // carol is removed on node 1; a message sent on node 3 right after reaches bob on node 2, not her
    await alice!.http.groupRemoveMembers('crowd', ['carol']);
    await aliceWs.send(say('after removal'));
    await bobWs.waitFor(match.push({ text: 'after removal' }));
    // dave is added on node 1; the next message reaches him on node 2
    await alice!.http.groupAddMembers('crowd', ['dave']);
    await aliceWs.send(say('after join'));
    for (const ws of [bobWs, daveWs]) await ws.waitFor(match.push({ text: 'after join' }));

    // a later message from the same node reaches carol: node 2 has handled the two before it
    await aliceWs.send(textTo(ConvType.MILLION_GROUP, 'marker')('marker'));
    await carolWs.waitFor(match.push({ text: 'marker' }));
    expect(pushesOf(carolWs).map((p) => p.content.text)).toEqual(['before', 'marker']);
    expect(pushesOf(daveWs).map((p) => p.content.text)).toEqual(['after join']);
  });
});
