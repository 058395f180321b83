import { describe, expect, it } from 'vitest';
import type { ImClient } from '../../src/client/im-client.js';
import { match } from '../../src/client/match.js';
import { CmdType, ConvType } from '../../src/protocol/codes.js';
import type { ConversationSummary } from '../../src/protocol/frames.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { framesOf } from '../helpers/frames.js';
import { groupText, text } from '../helpers/messages.js';
import type { TestUser } from '../helpers/server.js';
import { useHarness } from '../helpers/server.js';

/**
 * PROTOCOL.md §6.5: unread for a user in a conversation = maxSeq − max(readSeq, seq of the user's
 * own last message there), never negative; sending marks the conversation read up to your own
 * message. And §3 READ: readSeq = max(old, min(seq, maxSeq)); when it advances, READ_NOTIFY goes to
 * the peer and to the reader's other devices, never to the requesting device.
 */

const h = useHarness();

const AB = pairConvId(ConvType.SINGLE, 'alice', 'bob');
const GROUP = 'team';
const TEAM = `group:${GROUP}`;

/** The conversation as GET /conversation/list shows it to `user`. */
async function listed(user: TestUser, convId: string): Promise<Pick<ConversationSummary, 'maxSeq' | 'readSeq' | 'unread'>> {
  const { conversations } = await user.http.conversationList();
  const conv = conversations.find((c) => c.convId === convId);
  if (!conv) throw new Error(`${user.userId} does not list ${convId}: ${JSON.stringify(conversations.map((c) => c.convId))}`);
  return { maxSeq: conv.maxSeq, readSeq: conv.readSeq, unread: conv.unread };
}

/** The readSeq of every READ_NOTIFY this device received, in order. */
const notifiedReadSeqs = (client: ImClient): number[] => framesOf(client, CmdType.READ_NOTIFY).map((frame) => frame.content.readSeq);

describe('§6.5 unread = maxSeq − max(readSeq, own last seq), never negative', () => {
  it('follows READ, clamps beyond maxSeq, never goes back, and drops to 0 when the reader sends', async () => {
    // Given alice sent bob three messages
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    for (const i of [1, 2, 3]) await alice.client.send(text('bob', `m${i}`));

    // Then bob has 3 unread and alice, who sent them, none
    expect(await listed(bob, AB)).toEqual({ maxSeq: 3, readSeq: 0, unread: 3 });
    expect(await listed(alice, AB)).toEqual({ maxSeq: 3, readSeq: 3, unread: 0 });

    // When bob reads up to seq 2, Then 1 is left
    expect((await bob.client.read(AB, 2)).content).toEqual({ convId: AB, readSeq: 2, unread: 1 });
    expect(await listed(bob, AB)).toEqual({ maxSeq: 3, readSeq: 2, unread: 1 });

    // When bob reads backwards, Then readSeq does not go down
    expect((await bob.client.read(AB, 1)).content).toEqual({ convId: AB, readSeq: 2, unread: 1 });
    expect(await listed(bob, AB)).toEqual({ maxSeq: 3, readSeq: 2, unread: 1 });

    // When bob reads beyond maxSeq, Then readSeq stops at maxSeq and unread at 0
    expect((await bob.client.read(AB, 99)).content).toEqual({ convId: AB, readSeq: 3, unread: 0 });
    expect(await listed(bob, AB)).toEqual({ maxSeq: 3, readSeq: 3, unread: 0 });

    // When alice sends two more, Then bob has 2 unread
    for (const i of [4, 5]) await alice.client.send(text('bob', `m${i}`));
    expect(await listed(bob, AB)).toEqual({ maxSeq: 5, readSeq: 3, unread: 2 });

    // When bob replies without reading, Then his own message marks the conversation read for him
    await bob.client.send(text('alice', 'reply'));
    expect(await listed(bob, AB)).toEqual({ maxSeq: 6, readSeq: 6, unread: 0 });
    expect(await listed(alice, AB)).toEqual({ maxSeq: 6, readSeq: 5, unread: 1 });

    // ... and a READ below his own message changes nothing
    expect((await bob.client.read(AB, 4)).content).toEqual({ convId: AB, readSeq: 6, unread: 0 });
  });

  it('holds in a group: each member counts what others sent after their own last message', async () => {
    // Given a group of alice, bob and carol; alice posts three messages
    const { users: { alice, bob, carol } } = await h.setup(['alice', 'bob', 'carol']);
    await alice.http.groupCreate({ groupId: GROUP, type: ConvType.GROUP, name: 'team', members: ['bob', 'carol'] });
    for (const i of [1, 2, 3]) await alice.client.send(groupText(GROUP, `g${i}`));
    expect(await listed(bob, TEAM)).toEqual({ maxSeq: 3, readSeq: 0, unread: 3 });

    // When bob posts one
    await bob.client.send(groupText(GROUP, 'bob here'));

    // Then bob has nothing unread, alice one (bob's), carol all four
    expect(await listed(bob, TEAM)).toEqual({ maxSeq: 4, readSeq: 4, unread: 0 });
    expect(await listed(alice, TEAM)).toEqual({ maxSeq: 4, readSeq: 3, unread: 1 });
    expect(await listed(carol, TEAM)).toEqual({ maxSeq: 4, readSeq: 0, unread: 4 });
    // ... and carol's READ beyond the end clamps to 4
    expect((await carol.client.read(TEAM, 10)).content).toEqual({ convId: TEAM, readSeq: 4, unread: 0 });
  });
});

describe('§3 READ_NOTIFY', () => {
  it('goes to the peer and the reader\'s other devices, never the reading device, and only when readSeq advances', async () => {
    // Given alice sent bob three messages; bob is online on his phone (default) and laptop
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const laptop = await h.connect(server, bob, 'laptop');
    for (const i of [1, 2, 3]) await alice.client.send(text('bob', `m${i}`));

    // When bob's phone reads to 2, then backwards to 1 (no advance), then to 99 (clamped to 3)
    await bob.client.read(AB, 2);
    await bob.client.read(AB, 1);
    await bob.client.read(AB, 99);
    // ... and, after two more messages, reads to 5: its notification marks the end, as they leave in order
    for (const i of [4, 5]) await alice.client.send(text('bob', `m${i}`));
    await bob.client.read(AB, 5);
    for (const device of [alice.client, laptop]) await device.waitFor(match.readNotify({ userId: 'bob', readSeq: 5 }));
    // ... (for the phone, a later PUSH is the end marker)
    await alice.client.send(text('bob', 'm6'));
    await bob.client.waitFor(match.push({ text: 'm6' }));

    // Then alice and bob's laptop were told 2, 3 and 5 — nothing for the backwards READ
    expect(notifiedReadSeqs(alice.client)).toEqual([2, 3, 5]);
    expect(notifiedReadSeqs(laptop)).toEqual([2, 3, 5]);
    // ... and bob's phone, which did the reading, was never told of its own reads
    expect(notifiedReadSeqs(bob.client)).toEqual([]);
  });
});
