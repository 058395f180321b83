import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { setupGroup } from '../helpers/groups.js';
import { text, textTo } from '../helpers/messages.js';
import { befriend, useHarness } from '../helpers/server.js';

const h = useHarness();

const GROUP = 'team';
const CONV = groupConvId(ConvType.GROUP, GROUP);

const say = textTo(ConvType.GROUP, GROUP);

/** alice owns the GROUP `team` with bob and carol; dave is not in it. */
const setup = () =>
  setupGroup(h, ConvType.GROUP, { groupId: GROUP, name: 'Team', owner: 'alice', members: ['bob', 'carol'], outsiders: ['dave'] });

describe('GROUP (2): happy path', () => {
  it('pushes to every other member with that member’s own pts, and stores an inbox row for each', async () => {
    const { alice, bob, carol, dave } = await setup();
    // Given carol already holds an inbox row, so the members' pts differ
    await befriend(carol, dave);
    await dave.client.send(text('carol', 'warm-up'));
    await carol.client.waitFor(match.push({ from: 'dave' }));

    // When
    const ack = await alice.client.send(say('hello team'));

    // Then
    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1, pts: 1 });
    const toBob = await bob.client.waitFor(match.push({ text: 'hello team' }));
    const toCarol = await carol.client.waitFor(match.push({ text: 'hello team' }));
    expect(toBob.route).toMatchObject({ convType: ConvType.GROUP, from: 'alice', to: GROUP });
    expect(toBob.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV, seq: 1, pts: 1 });
    expect(toCarol.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV, seq: 1, pts: 2 });
    expect((await bob.client.sync(0)).content.messages.map((m) => [m.stamp.pts, m.content.text])).toEqual([[1, 'hello team']]);
    expect((await carol.client.sync(1)).content.messages.map((m) => [m.stamp.pts, m.content.text])).toEqual([[2, 'hello team']]);
    expect((await alice.client.sync(0)).content.messages.map((m) => [m.stamp.pts, m.content.text])).toEqual([[1, 'hello team']]);
  });

  it('gives consecutive seqs to messages from different members', async () => {
    const { alice, bob, carol } = await setup();

    const acks = [await alice.client.send(say('a')), await bob.client.send(say('b')), await carol.client.send(say('c'))];

    expect(acks.map((a) => a.stamp.seq)).toEqual([1, 2, 3]);
    const history = await bob.client.history({ convId: CONV });
    expect(history.content.messages.map((m) => [m.stamp.seq, m.route.from, m.content.text])).toEqual([
      [1, 'alice', 'a'],
      [2, 'bob', 'b'],
      [3, 'carol', 'c'],
    ]);
  });
});

describe('GROUP (2): refusals', () => {
  it('refuses a non-member with NOT_MEMBER (3003) and stores nothing', async () => {
    const { bob, dave } = await setup();

    await expect(dave.client.send(say('let me in'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });

    expect((await bob.client.sync(0)).content.messages).toEqual([]);
    expect((await bob.client.history({ convId: CONV })).content.messages).toEqual([]);
  });

  it('refuses a muted member with MUTED (3004), and accepts them again once unmuted', async () => {
    const { alice, bob, carol } = await setup();
    await alice.http.groupMute(GROUP, 'bob', true);

    await expect(bob.client.send(say('can you hear me'))).rejects.toMatchObject({ code: ErrorCode.MUTED });
    expect((await carol.client.sync(0)).content.messages).toEqual([]);

    await alice.http.groupMute(GROUP, 'bob', false);
    const ack = await bob.client.send(say('now?'));
    expect(ack.stamp.seq).toBe(1);
    await carol.client.waitFor(match.push({ text: 'now?' }));
  });

  it('stops pushing to a removed member, keeps their old inbox rows, and refuses them HISTORY and SEND', async () => {
    const { alice, bob, carol } = await setup();
    await befriend(alice, carol);
    await alice.client.send(say('before'));
    await carol.client.waitFor(match.push({ text: 'before' }));

    // When carol is removed and alice writes again
    await alice.http.groupRemoveMembers(GROUP, ['carol']);
    await alice.client.send(say('after'));
    await bob.client.waitFor(match.push({ text: 'after' }));

    // Then a later message on carol's own path arrives, with nothing about 'after' before it
    await alice.client.send(text('carol', 'marker'));
    await carol.client.waitFor(match.push({ text: 'marker' }));
    expect(carol.client.take(match.push({ text: 'after' }))).toEqual([]);
    expect((await carol.client.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['before', 'marker']);
    await expect(carol.client.history({ convId: CONV })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
    await expect(carol.client.send(say('still here?'))).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
  });

  it('stops pushing to a member who left', async () => {
    const { alice, bob, carol } = await setup();
    await befriend(alice, bob);
    await bob.http.groupLeave(GROUP);

    await alice.client.send(say('after leaving'));
    await carol.client.waitFor(match.push({ text: 'after leaving' }));
    await alice.client.send(text('bob', 'marker'));
    await bob.client.waitFor(match.push({ text: 'marker' }));

    expect(bob.client.take(match.push({ convId: CONV }))).toEqual([]);
    expect((await bob.client.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['marker']);
  });
});
