import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { setupGroup } from '../helpers/groups.js';
import { textTo } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

const h = useHarness();

const ROOM = 'lobby';
const CONV = groupConvId(ConvType.CHATROOM, ROOM);

const say = textTo(ConvType.CHATROOM, ROOM);

/** alice owns the CHATROOM `lobby`; bob and carol joined it through /group/join; dave did not. */
const setup = () =>
  setupGroup(h, ConvType.CHATROOM, { groupId: ROOM, name: 'Lobby', owner: 'alice', joined: ['bob', 'carol'], outsiders: ['dave'] });

describe('CHATROOM (3): happy path', () => {
  it('lets a member who joined send; online members get the push with a seq and no pts', async () => {
    const { alice, bob, carol } = await setup();

    const ack = await bob.client.send(say('hi room'));

    expect(ack.stamp).toMatchObject({ convId: CONV, seq: 1 });
    expect(ack.stamp).not.toHaveProperty('pts');
    for (const member of [alice, carol]) {
      const push = await member.client.waitFor(match.push({ text: 'hi room' }));
      expect(push.route).toMatchObject({ convType: ConvType.CHATROOM, from: 'bob', to: ROOM });
      expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV, seq: 1 });
      expect(push.stamp).not.toHaveProperty('pts');
    }
  });

  it('keeps the message out of every SYNC and returns it by HISTORY', async () => {
    const { alice, bob, carol } = await setup();
    await bob.client.send(say('one'));
    await bob.client.send(say('two'));

    for (const member of [alice, bob, carol]) {
      expect((await member.client.sync(0)).content).toEqual({ messages: [], maxPts: 0, hasMore: false });
    }
    const history = await carol.client.history({ convId: CONV });
    expect(history.content.messages.map((m) => [m.stamp.seq, m.route.from, m.content.text])).toEqual([
      [1, 'bob', 'one'],
      [2, 'bob', 'two'],
    ]);
    expect(history.content.messages.every((m) => m.stamp.pts === undefined)).toBe(true);
  });

  it('pushes only to members online at the time: a member who connects later gets no push, only HISTORY', async () => {
    const { server, alice, bob, carol } = await setup();
    await carol.client.close();

    // When bob speaks while carol is offline
    await bob.client.send(say('while you were out'));
    await alice.client.waitFor(match.push({ text: 'while you were out' }));

    // Then carol, back online, gets the next message and nothing before it
    const back = await h.connect(server, carol);
    await bob.client.send(say('marker'));
    await back.waitFor(match.push({ text: 'marker' }));
    expect(back.take(match.push({ text: 'while you were out' }))).toEqual([]);
    const history = await back.history({ convId: CONV });
    expect(history.content.messages.map((m) => m.content.text)).toEqual(['while you were out', 'marker']);
  });
});

describe('CHATROOM (3): refusals', () => {
  it('refuses a user who has not joined with NOT_IN_CHATROOM (3005) and stores nothing', async () => {
    const { alice, dave } = await setup();

    await expect(dave.client.send(say('knock knock'))).rejects.toMatchObject({ code: ErrorCode.NOT_IN_CHATROOM });

    expect((await alice.client.history({ convId: CONV })).content.messages).toEqual([]);
  });

  it('refuses a member who left with NOT_IN_CHATROOM (3005) and stops pushing to them', async () => {
    const { alice, bob, carol } = await setup();
    await carol.http.groupLeave(ROOM);

    await expect(carol.client.send(say('bye?'))).rejects.toMatchObject({ code: ErrorCode.NOT_IN_CHATROOM });
    // carol's join, then a message, is the marker: anything pushed before it would be in her inbox
    await bob.client.send(say('after carol left'));
    await alice.client.waitFor(match.push({ text: 'after carol left' }));
    await carol.http.groupJoin(ROOM);
    await bob.client.send(say('marker'));
    await carol.client.waitFor(match.push({ text: 'marker' }));
    expect(carol.client.take(match.push({ text: 'after carol left' }))).toEqual([]);
  });

  it('refuses a muted member with MUTED (3004)', async () => {
    const { alice, bob } = await setup();
    await alice.http.groupMute(ROOM, 'bob', true);

    await expect(bob.client.send(say('shh'))).rejects.toMatchObject({ code: ErrorCode.MUTED });

    expect((await alice.client.history({ convId: CONV })).content.messages).toEqual([]);
  });

  it('refuses HISTORY to a user who has not joined with NOT_MEMBER (3003)', async () => {
    const { bob, dave } = await setup();
    await bob.client.send(say('members only'));

    await expect(dave.client.history({ convId: CONV })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
  });
});
