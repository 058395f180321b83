import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { pushesOf, range } from '../helpers/frames.js';
import { text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

/**
 * PROTOCOL.md §6.3: pushes are the fast path, SYNC is the guarantee — whatever a push misses (a
 * dropped connection), a SYNC from the device's last pts returns, exactly once, in pts order.
 */

const h = useHarness();

describe('§6.3 a device that reconnects and SYNCs from its last pts', () => {
  it('gets exactly the messages it missed, once each, in pts order, over pages of hasMore', async () => {
    // Given bob's phone received alice's first three messages by PUSH
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    for (const i of [1, 2, 3]) await alice.client.send(text('bob', `seen ${i}`));
    for (const pts of [1, 2, 3]) await bob.client.waitFor(match.push({ pts }));
    expect(bob.client.lastPts).toBe(3);

    // When the phone's connection drops, and while it is away alice sends 4 messages and bob's laptop 2
    await bob.client.terminate();
    const laptop = await h.connect(server, bob, 'laptop');
    const missed = [];
    for (const i of [1, 2]) missed.push(await alice.client.send(text('bob', `missed ${i}`)));
    for (const i of [1, 2]) missed.push(await laptop.send(text('alice', `from laptop ${i}`)));
    for (const i of [3, 4]) missed.push(await alice.client.send(text('bob', `missed ${i}`)));
    // ... and the phone reconnects and SYNCs from its last pts, two messages a page
    const phone = h.track(await bob.client.reconnect());
    const pages = [];
    for (let since = phone.lastPts, more = true; more; ) {
      const { content } = await phone.sync(since, 2);
      pages.push(content);
      more = content.hasMore;
      since = content.messages.at(-1)?.stamp.pts ?? since;
    }

    // Then three full pages hold exactly the six missed messages, in pts order, the last without hasMore
    expect(pages.map((p) => [p.messages.map((m) => m.stamp.pts), p.hasMore, p.maxPts])).toEqual([
      [[4, 5], true, 9],
      [[6, 7], true, 9],
      [[8, 9], false, 9],
    ]);
    const synced = pages.flatMap((p) => p.messages);
    expect(synced.map((m) => m.stamp.msgId)).toEqual(missed.map((a) => a.stamp.msgId));
    expect(synced.map((m) => m.content.text)).toEqual(['missed 1', 'missed 2', 'from laptop 1', 'from laptop 2', 'missed 3', 'missed 4']);
    expect(phone.lastPts).toBe(9);

    // ... a SYNC from there has nothing more, and a SYNC from 0 has everything, once
    const caughtUp = await phone.sync(9);
    expect(caughtUp.content).toEqual({ messages: [], maxPts: 9, hasMore: false });
    const everything = await phone.syncAll(0, 4);
    expect(everything.messages.map((m) => m.stamp.pts)).toEqual(range(1, 9));
    expect(new Set(everything.messages.map((m) => m.stamp.msgId)).size).toBe(9);
    expect(everything.maxPts).toBe(9);

    // ... and live pushes resume after the synced ones, with no repeat of what SYNC returned
    await alice.client.send(text('bob', 'live again'));
    await phone.waitFor(match.push({ text: 'live again' }));
    expect(pushesOf(phone).map((p) => p.stamp.pts)).toEqual([10]);
  });

  it('gets the rest of a flood exactly once after the connection drops in the middle of it', async () => {
    // Given alice floods bob, and bob's phone drops the moment its 10th PUSH arrives
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const total = 60;
    const off = bob.client.on('frame', () => {
      if (pushesOf(bob.client).length === 10) void bob.client.terminate();
    });
    const acks = await Promise.all(range(1, total).map((i) => alice.client.send(text('bob', `flood ${i}`))));
    await bob.client.waitForClose();
    off();

    // When the phone reconnects and SYNCs from its last pts
    const pushed = pushesOf(bob.client);
    expect(pushed.map((p) => p.stamp.pts)).toEqual(range(1, bob.client.lastPts));
    const phone = h.track(await bob.client.reconnect());
    const { messages, maxPts } = await phone.syncAll(phone.lastPts, 7);

    // Then what was pushed and what was synced are every message once, in pts order
    const seen = [...pushed, ...messages];
    expect(seen.map((m) => m.stamp.pts)).toEqual(range(1, total));
    expect(new Set(seen.map((m) => m.stamp.msgId))).toEqual(new Set(acks.map((a) => a.stamp.msgId)));
    expect(maxPts).toBe(total);
  });
});
