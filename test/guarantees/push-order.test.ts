import { describe, expect, it } from 'vitest';
import type { ImClient } from '../../src/client/im-client.js';
import { match } from '../../src/client/match.js';
import { CmdType } from '../../src/protocol/codes.js';
import { framesOf, ptsFramesOf, ptsSeenBy, pushesOf, range, untilFrames } from '../helpers/frames.js';
import { text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

/**
 * PROTOCOL.md §6.3 (and §3): every online device of every recipient gets a PUSH, in pts order per
 * device; SEND_ACK and PUSH frames to one device leave in pts order.
 */

const h = useHarness();

const PER_SENDER = 40;

/** Every sender sends PER_SENDER messages to `to` at once; resolves with all the acks. */
const flood = (senders: readonly ImClient[], to: (sender: ImClient) => string) =>
  Promise.all(senders.flatMap((s) => range(1, PER_SENDER).map((i) => s.send(text(to(s), `${s.userId}/${s.deviceId}/${i}`)))));

describe('§6.3 pushes reach each device in pts order', () => {
  it('gives each of two devices of a recipient every PUSH once, in gap-free increasing pts, matching SYNC', async () => {
    // Given bob online on two devices, and three friends of his
    const { server, users: { alice, bob, carol, dave } } = await h.setup(['alice', 'bob', 'carol', 'dave'], { friends: true });
    const laptop = await h.connect(server, bob, 'laptop');
    const devices = [bob.client, laptop];

    // When the three send to bob concurrently
    await flood([alice.client, carol.client, dave.client], () => 'bob');
    const total = 3 * PER_SENDER;
    await Promise.all(devices.map((d) => untilFrames(d, match.push(), total)));
    // ... and one more message follows, so any extra or late PUSH would have arrived before it
    await alice.client.send(text('bob', 'last'));
    await Promise.all(devices.map((d) => d.waitFor(match.push({ text: 'last' }))));

    // Then each device saw pts 1..N+1, each once, in that order, the same messages as SYNC has
    const sync = await bob.client.syncAll(0);
    const inbox = sync.messages.map((m) => [m.stamp.pts, m.stamp.msgId]);
    expect(inbox.map(([pts]) => pts)).toEqual(range(1, total + 1));
    for (const device of devices) {
      const pushes = pushesOf(device);
      expect(pushes.map((p) => p.stamp.pts)).toEqual(range(1, total + 1));
      expect(pushes.map((p) => [p.stamp.pts, p.stamp.msgId])).toEqual(inbox);
    }
  });

  it('interleaves acks and pushes to a device that sends while receiving, every pts of its user once and in order', async () => {
    // Given bob on two devices, both sending while alice and carol send to him
    const { server, users: { alice, bob, carol } } = await h.setup(['alice', 'bob', 'carol'], { friends: true });
    const laptop = await h.connect(server, bob, 'laptop');
    const devices = [bob.client, laptop];

    // When all four devices send at once: alice and carol to bob, bob's phone to alice, his laptop to carol
    const peerOf = (s: ImClient) => (s.userId === 'bob' ? (s === laptop ? 'carol' : 'alice') : 'bob');
    await flood([alice.client, carol.client, bob.client, laptop], peerOf);
    const total = 4 * PER_SENDER;
    // Each bob device is pushed the 2·K incoming messages and the other device's K sends.
    await Promise.all(devices.map((d) => untilFrames(d, match.push(), 3 * PER_SENDER)));
    await alice.client.send(text('bob', 'last'));
    await Promise.all(devices.map((d) => d.waitFor(match.push({ text: 'last' }))));

    // Then each bob device saw every one of bob's pts exactly once, acks and pushes in increasing order
    for (const device of devices) expect(ptsSeenBy(device)).toEqual(range(1, total + 1));
    // ... and no device was pushed a message it sent itself
    for (const device of devices) {
      const own = new Set(framesOf(device, CmdType.SEND_ACK).map((ack) => ack.stamp.msgId));
      expect(own.size).toBe(PER_SENDER);
      expect(pushesOf(device).filter((p) => own.has(p.stamp.msgId))).toEqual([]);
    }
    // ... and what they saw is bob's inbox
    const sync = await bob.client.syncAll(0);
    const byPts = new Map(sync.messages.map((m) => [m.stamp.pts, m.stamp.msgId]));
    expect([...byPts.keys()]).toEqual(range(1, total + 1));
    for (const device of devices) {
      for (const frame of ptsFramesOf(device)) expect(byPts.get(frame.stamp.pts!)).toBe(frame.stamp.msgId);
    }
  });
});
