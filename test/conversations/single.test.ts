import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { text } from '../helpers/messages.js';
import { befriend, useHarness } from '../helpers/server.js';

const h = useHarness();

const CONV = pairConvId(ConvType.SINGLE, 'alice', 'bob');

/** alice and bob are friends, bob and carol are friends, alice and carol are not. */
async function setup() {
  const { server, users } = await h.setup(['alice', 'bob', 'carol']);
  await befriend(users.alice, users.bob);
  await befriend(users.bob, users.carol);
  return { server, ...users };
}

describe('SINGLE (1): happy path', () => {
  it('delivers to the peer and gives both users an inbox row with their own pts', async () => {
    const { server, alice, bob, carol } = await setup();
    // Given bob already holds one inbox row, so his pts and alice's differ
    await carol.client.send(text('bob', 'warm-up'));
    await bob.client.waitFor(match.push({ from: 'carol', pts: 1 }));
    const phone = await h.connect(server, alice, 'phone');

    // When
    const ack = await alice.client.send(text('bob', 'hi bob'));

    // Then the ack carries alice's pts, bob's push carries bob's
    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1, pts: 1 });
    expect(ack.stamp.msgId).toMatch(/^[1-9][0-9]*$/);
    const push = await bob.client.waitFor(match.push({ text: 'hi bob' }));
    expect(push.route).toMatchObject({ convType: ConvType.SINGLE, msgType: MsgType.TEXT, from: 'alice', to: 'bob' });
    expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV, seq: 1, pts: 2 });
    // and alice's other device gets a copy stamped with alice's pts
    const copy = await phone.waitFor(match.push({ text: 'hi bob' }));
    expect(copy.stamp).toMatchObject({ msgId: ack.stamp.msgId, seq: 1, pts: ack.stamp.pts });
    // and both inboxes hold it
    const aliceSync = await phone.sync(0);
    expect(aliceSync.content.messages.map((m) => [m.stamp.pts, m.content.text])).toEqual([[1, 'hi bob']]);
    expect(aliceSync.content.maxPts).toBe(1);
    const bobSync = await bob.client.sync(1);
    expect(bobSync.content.messages.map((m) => [m.stamp.pts, m.stamp.msgId])).toEqual([[2, ack.stamp.msgId]]);
  });

  it('never pushes a message back to the device that sent it', async () => {
    const { alice, bob } = await setup();

    await alice.client.send(text('bob', 'first'));
    // bob's reply travels back over the same path, after anything about 'first'
    await bob.client.send(text('alice', 'marker'));
    await alice.client.waitFor(match.push({ text: 'marker' }));

    expect(alice.client.take(match.push({ text: 'first' }))).toEqual([]);
  });

  it('numbers the conversation seq 1, 2, 3 whoever sends, and raises the sender readSeq to its own message', async () => {
    const { alice, bob } = await setup();

    const a1 = await alice.client.send(text('bob', 'a1'));
    const b2 = await bob.client.send(text('alice', 'b2'));
    const a3 = await alice.client.send(text('bob', 'a3'));

    expect([a1.stamp.seq, b2.stamp.seq, a3.stamp.seq]).toEqual([1, 2, 3]);
    const { conversations } = await alice.http.conversationList();
    expect(conversations).toEqual([
      expect.objectContaining({ convId: CONV, convType: ConvType.SINGLE, target: 'bob', maxSeq: 3, readSeq: 3, unread: 0 }),
    ]);
    const bobs = await bob.http.conversationList();
    expect(bobs.conversations).toEqual([expect.objectContaining({ convId: CONV, target: 'alice', maxSeq: 3, readSeq: 2, unread: 1 })]);
  });
});

describe('SINGLE (1): control.sync=false', () => {
  it('acks without a pts and sends no copy to the sender’s other devices; the peer still gets it with pts', async () => {
    const { server, alice, bob } = await setup();
    const phone = await h.connect(server, alice, 'phone');

    // When
    const ack = await alice.client.send(text('bob', 'quiet', { sync: false }));

    // Then
    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1 });
    expect(ack.stamp).not.toHaveProperty('pts');
    const push = await bob.client.waitFor(match.push({ text: 'quiet' }));
    expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, seq: 1, pts: 1 });
    // a normal message after it reaches the phone: the quiet one would have come first
    const marker = await alice.client.send(text('bob', 'marker'));
    await phone.waitFor(match.push({ text: 'marker' }));
    expect(phone.take(match.push({ text: 'quiet' }))).toEqual([]);
    // and alice's inbox has only the marker, at her pts 1
    expect(marker.stamp.pts).toBe(1);
    const sync = await phone.sync(0);
    expect(sync.content.messages.map((m) => [m.stamp.pts, m.content.text])).toEqual([[1, 'marker']]);
    // but the conversation itself holds both
    const history = await alice.client.history({ convId: CONV });
    expect(history.content.messages.map((m) => m.content.text)).toEqual(['quiet', 'marker']);
  });
});

describe('SINGLE (1): refusals', () => {
  it('refuses a non-friend with NOT_FRIENDS (3001) and stores nothing', async () => {
    const { alice, carol } = await setup();

    await expect(alice.client.send(text('carol', 'hello?'))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });

    expect((await carol.client.sync(0)).content).toMatchObject({ messages: [], maxPts: 0 });
    expect((await alice.client.sync(0)).content).toMatchObject({ messages: [], maxPts: 0 });
    expect((await carol.http.conversationList()).conversations).toEqual([]);
  });

  it('refuses a pending (one-sided) friend request with NOT_FRIENDS (3001)', async () => {
    const { alice, carol } = await setup();
    await alice.http.friendAdd('carol');

    await expect(alice.client.send(text('carol', 'hello?'))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });
  });

  it('refuses with NOT_FRIENDS (3001) once the friendship is removed, in both directions', async () => {
    const { alice, bob } = await setup();
    await alice.client.send(text('bob', 'while friends'));
    await bob.http.friendRemove('alice');

    await expect(alice.client.send(text('bob', 'still there?'))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });
    await expect(bob.client.send(text('alice', 'bye'))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });

    expect((await bob.client.history({ convId: CONV })).content.messages.map((m) => m.content.text)).toEqual(['while friends']);
  });

  it('refuses with BLOCKED (3002) when the receiver blocks the sender, and when the sender blocks the receiver', async () => {
    const { alice, bob } = await setup();
    await bob.http.block('alice');

    await expect(alice.client.send(text('bob', 'blocked?'))).rejects.toMatchObject({ code: ErrorCode.BLOCKED });
    await expect(bob.client.send(text('alice', 'blocked?'))).rejects.toMatchObject({ code: ErrorCode.BLOCKED });
    expect((await bob.client.sync(0)).content.messages).toEqual([]);
    expect((await alice.client.sync(0)).content.messages).toEqual([]);
  });

  it('lets them talk again once the block is lifted', async () => {
    const { alice, bob } = await setup();
    await bob.http.block('alice');
    await bob.http.unblock('alice');

    const ack = await alice.client.send(text('bob', 'again'));

    expect(ack.stamp.seq).toBe(1);
    await bob.client.waitFor(match.push({ text: 'again' }));
  });

  it('refuses a user that does not exist with USER_NOT_FOUND (3009)', async () => {
    const { alice } = await setup();

    await expect(alice.client.send(text('nobody', 'hello?'))).rejects.toMatchObject({ code: ErrorCode.USER_NOT_FOUND });
  });

  it('refuses a message to yourself with BAD_FRAME (1000)', async () => {
    const { alice } = await setup();

    await expect(alice.client.send(text('alice', 'me'))).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
    expect((await alice.client.sync(0)).content.messages).toEqual([]);
  });
});
