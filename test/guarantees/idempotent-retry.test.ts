import { describe, expect, it } from 'vitest';
import type { ImClient } from '../../src/client/im-client.js';
import { match } from '../../src/client/match.js';
import { CmdType, ConvType, ErrorCode } from '../../src/protocol/codes.js';
import type { Stamp } from '../../src/protocol/frames.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { pushesOf } from '../helpers/frames.js';
import { groupText, text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

/**
 * PROTOCOL.md §6.2: a SEND retried with the same (from, clientMsgId) returns the first stamp and
 * stores nothing new — whatever its content, and whatever changed since.
 */

const h = useHarness();

const AB = pairConvId(ConvType.SINGLE, 'alice', 'bob');

/** The stamp fields a retry must reproduce. */
const idOf = (stamp: Stamp) => ({ msgId: stamp.msgId, seq: stamp.seq, pts: stamp.pts });

/** The PUSHes of message `msgId` that `client` received. */
const pushesOfMessage = (client: ImClient, msgId: string) => pushesOf(client).filter((push) => push.stamp.msgId === msgId);

/**
 * Sends a fresh message from `sender` and waits until `receiver` has its PUSH: pushes to a device
 * leave in pts order, so any PUSH a retry caused has arrived by then.
 */
async function marker(sender: ImClient, receiver: ImClient, to: string, body = 'marker') {
  const ack = await sender.send(text(to, body));
  const push = await receiver.waitFor(match.push({ text: body }));
  return { ack, push };
}

describe('§6.2 a SEND retried with the same clientMsgId', () => {
  it('returns the first stamp to a sequential retry, from the same device or another, and stores nothing new', async () => {
    // Given alice and bob are friends, and alice has a second device
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const laptop = await h.connect(server, alice, 'laptop');

    // When alice sends with a clientMsgId, then retries it twice
    const first = await alice.client.send(text('bob', 'hello', { clientMsgId: 'c-1' }));
    const retry = await alice.client.send(text('bob', 'hello', { clientMsgId: 'c-1' }));
    const fromLaptop = await laptop.send(text('bob', 'hello', { clientMsgId: 'c-1' }));

    // Then every ack carries the first stamp
    expect(first.stamp).toMatchObject({ convId: AB, seq: 1, pts: 1 });
    expect(idOf(retry.stamp)).toEqual(idOf(first.stamp));
    expect(idOf(fromLaptop.stamp)).toEqual(idOf(first.stamp));

    // ... bob got exactly one PUSH and the next message takes the next seq and pts
    const { ack, push } = await marker(alice.client, bob.client, 'bob');
    expect(pushesOfMessage(bob.client, first.stamp.msgId)).toHaveLength(1);
    expect(ack.stamp).toMatchObject({ seq: 2, pts: 2 });
    expect(push.stamp).toMatchObject({ seq: 2, pts: 2 });

    // ... and SYNC and HISTORY each hold the message once
    const sync = await bob.client.sync(0);
    expect(sync.content.messages.map((m) => m.stamp.msgId)).toEqual([first.stamp.msgId, ack.stamp.msgId]);
    const history = await alice.client.history({ convId: AB, afterSeq: 0 });
    expect(history.content.messages.map((m) => m.stamp.seq)).toEqual([1, 2]);
  });

  it('gives two devices of one user that send the same clientMsgId at once one stamp, and the recipient one PUSH', async () => {
    // Given alice on two devices, friends with bob
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const laptop = await h.connect(server, alice, 'laptop');

    // When both devices send the same clientMsgId concurrently (several times over)
    const acks = await Promise.all([
      alice.client.send(text('bob', 'twice', { clientMsgId: 'c-dup' })),
      laptop.send(text('bob', 'twice', { clientMsgId: 'c-dup' })),
      alice.client.send(text('bob', 'twice', { clientMsgId: 'c-dup' })),
      laptop.send(text('bob', 'twice', { clientMsgId: 'c-dup' })),
    ]);

    // Then all acks carry one stamp, the first message of the conversation
    const stamp = idOf(acks[0]!.stamp);
    for (const ack of acks) expect(idOf(ack.stamp)).toEqual(stamp);
    expect(stamp).toMatchObject({ seq: 1, pts: 1 });

    // ... bob got one PUSH of it, alice's devices one copy between them (to the non-sending one)
    await marker(alice.client, bob.client, 'bob');
    expect(pushesOfMessage(bob.client, stamp.msgId)).toHaveLength(1);
    expect(pushesOfMessage(alice.client, stamp.msgId).length + pushesOfMessage(laptop, stamp.msgId).length).toBe(1);

    // ... and bob's inbox holds it once, followed directly by the marker
    const sync = await bob.client.sync(0);
    expect(sync.content.messages.map((m) => [m.stamp.pts, m.content.text])).toEqual([
      [1, 'twice'],
      [2, 'marker'],
    ]);
  });

  it('returns the first stamp to a retry with different content, and keeps the first content', async () => {
    // Given alice sent "original" with clientMsgId c-7
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const first = await alice.client.send(text('bob', 'original', { clientMsgId: 'c-7' }));

    // When she retries c-7 with other content
    const retry = await alice.client.send(text('bob', 'edited', { clientMsgId: 'c-7' }));

    // Then she gets the first stamp, and only the original exists anywhere
    expect(idOf(retry.stamp)).toEqual(idOf(first.stamp));
    await marker(alice.client, bob.client, 'bob');
    expect(bob.client.take(match.push({ text: 'edited' }))).toEqual([]);
    const history = await bob.client.history({ convId: AB, afterSeq: 0 });
    expect(history.content.messages.map((m) => m.content.text)).toEqual(['original', 'marker']);
  });

  it('gives another user who uses the same clientMsgId a message of their own', async () => {
    // Given alice sent c-shared to bob
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const fromAlice = await alice.client.send(text('bob', 'from alice', { clientMsgId: 'c-shared' }));

    // When bob sends to alice with the same clientMsgId
    const fromBob = await bob.client.send(text('alice', 'from bob', { clientMsgId: 'c-shared' }));

    // Then bob's is a new message, which alice receives
    expect(fromBob.stamp.msgId).not.toBe(fromAlice.stamp.msgId);
    expect(fromBob.stamp).toMatchObject({ convId: AB, seq: 2, pts: 2 });
    const push = await alice.client.waitFor(match.push({ from: 'bob', text: 'from bob' }));
    expect(push.stamp).toMatchObject({ msgId: fromBob.stamp.msgId, seq: 2, pts: 2 });
  });

  it('returns the first stamp to a retry sent after the friendship was removed', async () => {
    // Given alice sent c-9 to bob while they were friends, and they are friends no more
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const first = await alice.client.send(text('bob', 'before', { clientMsgId: 'c-9' }));
    await alice.http.friendRemove('bob');

    // When alice retries c-9 (and, for contrast, sends a new message)
    const retry = await alice.client.send(text('bob', 'before', { clientMsgId: 'c-9' })).catch((e: unknown) => e);
    const fresh = await alice.client.send(text('bob', 'new', { clientMsgId: 'c-10' })).catch((e: unknown) => e);

    // Then the retry gets the first stamp; only the new message meets the friendship rule
    expect(retry).toMatchObject({ header: { cmd: CmdType.SEND_ACK } });
    expect(idOf((retry as { stamp: Stamp }).stamp)).toEqual(idOf(first.stamp));
    expect(fresh).toMatchObject({ name: 'ImRequestError', code: ErrorCode.NOT_FRIENDS });
    const history = await bob.client.history({ convId: AB, afterSeq: 0 });
    expect(history.content.messages.map((m) => m.stamp.msgId)).toEqual([first.stamp.msgId]);
  });

  it('returns the first stamp to a retry sent after the sender left the group', async () => {
    // Given bob posted c-g to alice's group, then left it
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await alice.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'team', members: ['bob'] });
    const post = groupText('team', 'hi team');
    const first = await bob.client.send({ ...post, control: { clientMsgId: 'c-g' } });
    await bob.http.groupLeave('team');

    // When bob retries c-g
    const retry = await bob.client.send({ ...post, control: { clientMsgId: 'c-g' } }).catch((e: unknown) => e);

    // Then he gets the first stamp, and the group still has the one message
    expect(retry).toMatchObject({ header: { cmd: CmdType.SEND_ACK } });
    expect(idOf((retry as { stamp: Stamp }).stamp)).toEqual(idOf(first.stamp));
    const history = await alice.client.history({ convId: 'group:team', afterSeq: 0 });
    expect(history.content.messages.map((m) => m.stamp.msgId)).toEqual([first.stamp.msgId]);
  });
});
