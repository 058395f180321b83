import { describe, expect, it } from 'vitest';
import { ConvType, CmdType, ErrorCode } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { range, sortedNumbers } from '../helpers/frames.js';
import { text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

/**
 * PROTOCOL.md §6.6: rate limits are on by default, per user, and configurable; over the limit a
 * SEND gets 1003 with retryAfterMs, stores nothing, and hurts nobody else.
 */

const h = useHarness();

/** Three SENDs at once, then (practically) no refill: the 4th within the test is over the limit. */
const TIGHT = { rateLimit: { burst: 3, perSecond: 0.001 } };

describe('§6.6 per-user rate limit', () => {
  it('refuses the SEND over the burst with 1003 and retryAfterMs, stores nothing for it, and keeps the connection', async () => {
    // Given a server allowing bursts of 3, and alice who has sent 3 messages to bob
    const { users: { alice, bob, carol } } = await h.setup(['alice', 'bob', 'carol'], { friends: true, ...TIGHT });
    for (const i of [1, 2, 3]) await alice.client.send(text('bob', `ok ${i}`));

    // When she sends a 4th
    const refused = await alice.client.send(text('bob', 'too many')).catch((e: unknown) => e);

    // Then it is RATE_LIMITED with a wait
    expect(refused).toMatchObject({ name: 'ImRequestError', code: ErrorCode.RATE_LIMITED });
    expect((refused as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);

    // ... the connection is still up
    expect(alice.client.isOpen).toBe(true);
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);

    // ... nothing was stored for it: not in bob's inbox, not in the history, and it took no pts or seq
    const sync = await bob.client.sync(0);
    expect(sync.content.messages.map((m) => m.content.text)).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(sync.content.maxPts).toBe(3);
    const history = await alice.client.history({ convId: pairConvId(ConvType.SINGLE, 'alice', 'bob') });
    expect(history.content.messages.map((m) => m.stamp.seq)).toEqual([1, 2, 3]);

    // ... and another user is unaffected: carol's sends to bob pass and take bob's next pts
    const fromCarol = await carol.client.send(text('bob', 'carol is fine'));
    const bobsNext = await bob.client.sync(3);
    expect(fromCarol.stamp.seq).toBe(1);
    expect(bobsNext.content.messages.map((m) => [m.stamp.pts, m.content.text])).toEqual([[4, 'carol is fine']]);
  });

  it('counts per user, across all of the user\'s devices', async () => {
    // Given a server allowing bursts of 3, and alice on two devices
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true, ...TIGHT });
    const laptop = await h.connect(server, alice, 'laptop');

    // When her phone sends 2 and her laptop 1, then her phone one more
    await alice.client.send(text('bob', 'phone 1'));
    await alice.client.send(text('bob', 'phone 2'));
    await laptop.send(text('bob', 'laptop 1'));
    const refused = alice.client.send(text('bob', 'phone 3'));

    // Then the 4th SEND of the user is refused, whichever device sent the others, and bob's own budget is intact
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    await expect(laptop.send(text('bob', 'laptop 2'))).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    const replies = await Promise.all(range(1, 3).map((i) => bob.client.send(text('alice', `bob ${i}`))));
    expect(replies.map((r) => r.stamp.seq)).toEqual([4, 5, 6]);
  });

  it('lets a burst of 500 SENDs pass with the default limits', async () => {
    // Given a server with the default rate limit
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    // When alice sends 500 messages at once
    const acks = await Promise.all(range(1, 500).map((i) => alice.client.send(text('bob', `burst ${i}`))));

    // Then every one is stored
    expect(sortedNumbers(acks.map((a) => a.stamp.seq))).toEqual(range(1, 500));
    const { maxPts } = await bob.client.syncAll(0, 500);
    expect(maxPts).toBe(500);
  });
});
