import { describe, expect, it } from 'vitest';
import type { ImClient } from '../../src/client/im-client.js';
import { ConvType } from '../../src/protocol/codes.js';
import type { SendAckFrame } from '../../src/protocol/frames.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { carriesPts, historyAll, ptsSeenBy, range, sortedNumbers, untilFrames } from '../helpers/frames.js';
import { groupText, text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

/**
 * PROTOCOL.md §1 (and the §6 guarantees built on it): seq is per conversation and pts per user,
 * 1, 2, 3, … — never a gap, never a repeat, whatever the concurrency.
 */

const h = useHarness();

/** §6.3: the device saw each of its user's pts once, acks and pushes together in increasing order. */
async function expectPtsInOrder(client: ImClient, total: number): Promise<void> {
  await untilFrames(client, carriesPts, total); // the acks are in by the time this is called
  expect(ptsSeenBy(client), `${client.userId}/${client.deviceId}`).toEqual(range(1, total));
}

/**
 * What every inbox must hold after the run: pts 1..N, each of the N messages once, and the sender's
 * own messages at the pts its acks announced.
 */
async function expectGapFreeInbox(client: ImClient, acks: readonly SendAckFrame[], ownAcks: readonly SendAckFrame[]) {
  const { messages, maxPts } = await client.syncAll(0, 500);
  expect(messages.map((m) => m.stamp.pts), client.userId).toEqual(range(1, acks.length));
  expect(maxPts).toBe(acks.length);
  expect(new Set(messages.map((m) => m.stamp.msgId))).toEqual(new Set(acks.map((a) => a.stamp.msgId)));
  const atPts = new Map(messages.map((m) => [m.stamp.pts, m.stamp.msgId]));
  for (const ack of ownAcks) expect(atPts.get(ack.stamp.pts)).toBe(ack.stamp.msgId);
}

describe('§1 seq and pts under concurrency', () => {
  it('numbers 500 concurrent SENDs from 20 members of a 21-member group seq 1..500, and gives every member pts 1..500', async () => {
    // Given a group of 21, all online
    const ids = range(1, 21).map((i) => `u${String(i).padStart(2, '0')}`);
    const { users } = await h.setup(ids);
    const members = ids.map((id) => {
      const user = users[id];
      if (!user) throw new Error(`setup did not connect ${id}`);
      return user;
    });
    const [owner, ...rest] = members;
    await owner!.http.groupCreate({ groupId: 'crowd', type: ConvType.GROUP, name: 'crowd', members: rest.map((m) => m.userId) });
    const senders = members.slice(0, 20);

    // When 20 of them each send 25 messages, all at once
    const perSender = await Promise.all(
      senders.map((m) =>
        Promise.all(range(1, 25).map((i) => m.client.send(groupText('crowd', `${m.userId}/${i}`)))),
      ),
    );
    const acks = perSender.flat();

    // Then the conversation holds seq 1..500, each once, each the message acked with that seq
    expect(sortedNumbers(acks.map((a) => a.stamp.seq))).toEqual(range(1, 500));
    expect(new Set(acks.map((a) => a.stamp.msgId)).size).toBe(500);
    const history = await historyAll(members[20]!.client, 'group:crowd');
    expect(history.map((m) => m.stamp.seq)).toEqual(range(1, 500));
    const seqOf = new Map(acks.map((a) => [a.stamp.msgId, a.stamp.seq]));
    for (const m of history) expect(seqOf.get(m.stamp.msgId)).toBe(m.stamp.seq);

    // ... and every member's inbox, the senders' own messages included, is pts 1..500 with no duplicate
    for (const [i, member] of members.entries()) await expectGapFreeInbox(member.client, acks, perSender[i] ?? []);
    // ... which each member's device also saw live, acks and pushes together, in pts order
    for (const member of members) await expectPtsInOrder(member.client, 500);
  });

  it('numbers a one-to-one conversation hammered from both sides and four devices seq 1..500, and both inboxes pts 1..500', async () => {
    // Given alice and bob, friends, each on two devices
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const aliceLaptop = await h.connect(server, alice, 'laptop');
    const bobLaptop = await h.connect(server, bob, 'laptop');
    const devices: [ImClient, string][] = [
      [alice.client, 'bob'],
      [aliceLaptop, 'bob'],
      [bob.client, 'alice'],
      [bobLaptop, 'alice'],
    ];

    // When every device sends 125 messages at once
    const perDevice = await Promise.all(
      devices.map(([client, to]) =>
        Promise.all(range(1, 125).map((i) => client.send(text(to, `${client.userId}/${client.deviceId}/${i}`)))),
      ),
    );
    const acks = perDevice.flat();

    // Then the conversation is seq 1..500, each once
    expect(sortedNumbers(acks.map((a) => a.stamp.seq))).toEqual(range(1, 500));
    const history = await historyAll(alice.client, pairConvId(ConvType.SINGLE, 'alice', 'bob'));
    expect(history.map((m) => m.stamp.seq)).toEqual(range(1, 500));
    expect(new Set(history.map((m) => m.stamp.msgId))).toEqual(new Set(acks.map((a) => a.stamp.msgId)));

    // ... and each side's inbox is pts 1..500, with its own messages where its acks said
    await expectGapFreeInbox(alice.client, acks, [...perDevice[0]!, ...perDevice[1]!]);
    await expectGapFreeInbox(bob.client, acks, [...perDevice[2]!, ...perDevice[3]!]);
    // ... which each device also saw live, acks and pushes together, in pts order
    for (const [client] of devices) await expectPtsInOrder(client, 500);
  });
});
