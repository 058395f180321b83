import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import type { ConversationSummary } from '../../src/protocol/frames.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { setupGroup } from '../helpers/groups.js';
import { textTo } from '../helpers/messages.js';
import { useHarness, type ConnectedUser } from '../helpers/server.js';

const h = useHarness();

const GROUP = 'crowd';
const CONV = groupConvId(ConvType.MILLION_GROUP, GROUP);

const say = textTo(ConvType.MILLION_GROUP, GROUP);

/** alice owns the MILLION_GROUP `crowd` with bob and carol; dave is not in it. */
const setup = () =>
  setupGroup(h, ConvType.MILLION_GROUP, { groupId: GROUP, name: 'Crowd', owner: 'alice', members: ['bob', 'carol'], outsiders: ['dave'] });

async function summaryOf(user: ConnectedUser): Promise<ConversationSummary | undefined> {
  const { conversations } = await user.http.conversationList();
  return conversations.find((c) => c.convId === CONV);
}

describe('MILLION_GROUP (5): read diffusion', () => {
  it('acks with a seq and no pts, and pushes to members without a pts', async () => {
    const { alice, bob, carol } = await setup();

    const ack = await alice.client.send(say('hello crowd'));

    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1 });
    expect(ack.stamp).not.toHaveProperty('pts');
    for (const member of [bob, carol]) {
      const push = await member.client.waitFor(match.push({ text: 'hello crowd' }));
      expect(push.route).toMatchObject({ convType: ConvType.MILLION_GROUP, from: 'alice', to: GROUP });
      expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV, seq: 1 });
      expect(push.stamp).not.toHaveProperty('pts');
    }
  });

  it('never puts its messages in anyone’s SYNC', async () => {
    const { alice, bob, carol } = await setup();
    await alice.client.send(say('one'));
    await bob.client.send(say('two'));

    for (const member of [alice, bob, carol]) {
      expect((await member.client.sync(0)).content).toEqual({ messages: [], maxPts: 0, hasMore: false });
    }
  });

  it('lets a member who was offline catch up with HISTORY from their readSeq', async () => {
    const { server, alice, bob } = await setup();
    await bob.client.close();
    for (const text of ['m1', 'm2', 'm3']) await alice.client.send(say(text));

    // When bob comes back, the conversation list tells him where he stopped
    const back = await h.connect(server, bob);
    const before = await summaryOf(bob);
    expect(before).toMatchObject({ convType: ConvType.MILLION_GROUP, target: GROUP, maxSeq: 3, readSeq: 0, unread: 3 });

    // Then HISTORY after that readSeq returns exactly what he missed, in seq order, without pts
    const history = await back.history({ convId: CONV, afterSeq: before!.readSeq });
    expect(history.content.messages.map((m) => [m.stamp.seq, m.content.text])).toEqual([
      [1, 'm1'],
      [2, 'm2'],
      [3, 'm3'],
    ]);
    expect(history.content.hasMore).toBe(false);
    expect(history.content.messages.every((m) => m.stamp.pts === undefined)).toBe(true);
    // and READ moves his readSeq so the next catch-up starts there
    const read = await back.read(CONV, 3);
    expect(read.content).toEqual({ convId: CONV, readSeq: 3, unread: 0 });
    expect(await summaryOf(bob)).toMatchObject({ readSeq: 3, unread: 0 });
    expect((await back.history({ convId: CONV, afterSeq: 3 })).content.messages).toEqual([]);
  });

  it('starts a new member’s readSeq at the current maxSeq, so old messages are not unread', async () => {
    const { alice, dave } = await setup();
    for (const text of ['old1', 'old2', 'old3']) await alice.client.send(say(text));

    // When dave is added after three messages
    await alice.http.groupAddMembers(GROUP, ['dave']);

    // Then nothing is unread for him
    expect(await summaryOf(dave)).toMatchObject({ maxSeq: 3, readSeq: 3, unread: 0 });
    expect((await dave.client.history({ convId: CONV, afterSeq: 3 })).content.messages).toEqual([]);
    // and a new message is pushed to him and counts as unread
    await alice.client.send(say('new'));
    const push = await dave.client.waitFor(match.push({ text: 'new' }));
    expect(push.stamp).toMatchObject({ seq: 4 });
    expect(push.stamp).not.toHaveProperty('pts');
    expect(await summaryOf(dave)).toMatchObject({ maxSeq: 4, readSeq: 3, unread: 1 });
    // while, as a current member, he can still page back through the whole history
    const all = await dave.client.history({ convId: CONV });
    expect(all.content.messages.map((m) => m.content.text)).toEqual(['old1', 'old2', 'old3', 'new']);
  });
});

describe('MILLION_GROUP (5): refusals', () => {
  it('refuses a non-member with NOT_MEMBER (3003) and stores nothing', async () => {
    const { alice, dave } = await setup();

    await expect(dave.client.send(say('let me in'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
    await expect(dave.client.history({ convId: CONV })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });

    expect((await alice.client.history({ convId: CONV })).content.messages).toEqual([]);
  });

  it('refuses a muted member with MUTED (3004)', async () => {
    const { alice, bob } = await setup();
    await alice.http.groupMute(GROUP, 'bob', true);

    await expect(bob.client.send(say('muted'))).rejects.toMatchObject({ code: ErrorCode.MUTED });

    expect((await alice.client.history({ convId: CONV })).content.messages).toEqual([]);
  });

  it('does not let users join by themselves (FORBIDDEN, 2005)', async () => {
    const { dave } = await setup();

    await expect(dave.http.groupJoin(GROUP)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN, status: 403 });
  });
});
