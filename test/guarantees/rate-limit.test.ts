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

/** Reads: 600 rows at once, (practically) no refill. */
const TIGHT_READS = { readRateLimit: { burst: 600, perSecond: 0.001 } };

describe('per-user read limit (SYNC, HISTORY, READ), counted in rows', () => {
  async function aliceWith400Messages(options: object = TIGHT_READS) {
    const { server, users } = await h.setup(['alice', 'bob', 'carol'], { friends: true, ...options });
    await Promise.all(range(1, 400).map((i) => users.alice.client.send(text('bob', `m${i}`))));
    return { server, ...users };
  }

  it('admits big pages while the bucket lasts, then answers 1003 with retryAfterMs', async () => {
    // Given a budget of 600 rows and 400 messages in alice's history
    const { alice } = await aliceWith400Messages();
    const convId = pairConvId(ConvType.SINGLE, 'alice', 'bob');

    // When she pages HISTORY with limit 500 (400 rows each)
    const first = await alice.client.history({ convId, limit: 500 });
    const second = await alice.client.history({ convId, limit: 500 });
    const third = await alice.client.history({ convId, limit: 500 }).catch((e: unknown) => e);

    // Then the first two pass (the second runs the bucket into debt) and the third waits
    expect(first.content.messages).toHaveLength(400);
    expect(second.content.messages).toHaveLength(400);
    expect(third).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    expect((third as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
    // ... SYNC and READ share the budget
    await expect(alice.client.sync(0)).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    await expect(alice.client.read(convId, 1)).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    // ... while PING and SEND are unaffected
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
    expect((await alice.client.send(text('bob', 'still sending'))).stamp.seq).toBe(401);
  });

  it('charges by rows: many small reads pass where big ones would not', async () => {
    const { bob } = await aliceWith400Messages();

    // 100 SYNCs asking for up to 500 rows that return 5 each are 500 rows: under the 600-row
    // budget, which a charge by requested limit would have spent after the second
    for (let i = 0; i < 100; i++) expect((await bob.client.sync(395, 500)).content.messages).toHaveLength(5);
    expect((await bob.client.sync(0, 1)).content.messages).toHaveLength(1);
  });

  it('is per user: one user out of budget does not stop another', async () => {
    const { alice, bob, carol } = await aliceWith400Messages();
    const convId = pairConvId(ConvType.SINGLE, 'alice', 'bob');
    await alice.client.history({ convId, limit: 500 });
    await alice.client.history({ convId, limit: 500 });
    await expect(alice.client.history({ convId, limit: 500 })).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });

    expect((await bob.client.history({ convId, limit: 500 })).content.messages).toHaveLength(400);
    expect((await carol.client.sync(0)).content.maxPts).toBe(0);
  });
});
