import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { groupConvId, pairConvId } from '../../src/protocol/ids.js';
import { ephemeral, groupText, text, typing } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

const h = useHarness();

const CONV = pairConvId(ConvType.SINGLE, 'alice', 'bob');

describe('TYPING (msgType 20) is transient', () => {
  it('is acked with a msgId but no seq or pts, and pushed to the online peer without them', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    const ack = await alice.client.send(typing('bob'));

    expect(ack.stamp.msgId).toMatch(/^[1-9][0-9]*$/);
    expect(ack.stamp).toMatchObject({ convId: CONV });
    expect(ack.stamp).not.toHaveProperty('seq');
    expect(ack.stamp).not.toHaveProperty('pts');
    const push = await bob.client.waitFor(match.push({ msgType: MsgType.TYPING }));
    expect(push.route).toMatchObject({ convType: ConvType.SINGLE, msgType: MsgType.TYPING, from: 'alice', to: 'bob' });
    expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV });
    expect(push.stamp).not.toHaveProperty('seq');
    expect(push.stamp).not.toHaveProperty('pts');
  });

  it('never enters SYNC or HISTORY and takes no seq: the next stored message is seq 1, pts 1', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    await alice.client.send(typing('bob'));

    const stored = await alice.client.send(text('bob', 'real message'));

    expect(stored.stamp).toMatchObject({ seq: 1, pts: 1 });
    for (const user of [alice, bob]) {
      expect((await user.client.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['real message']);
      expect((await user.client.history({ convId: CONV })).content.messages.map((m) => m.route.msgType)).toEqual([MsgType.TEXT]);
    }
  });

  it('stays transient even when the client asks control.persist=true', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    const ack = await alice.client.send(typing('bob', ConvType.SINGLE, true));

    expect(ack.stamp).not.toHaveProperty('seq');
    expect((await bob.client.sync(0)).content.messages).toEqual([]);
    expect((await bob.http.conversationList()).conversations).toEqual([]);
  });

  it('is not kept for a peer who is offline', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    await bob.client.close();
    await alice.client.send(typing('bob'));

    const back = await h.connect(server, bob);
    await alice.client.send(text('bob', 'marker'));
    await back.waitFor(match.push({ text: 'marker' }));

    expect(back.take(match.push({ msgType: MsgType.TYPING }))).toEqual([]);
    expect((await back.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['marker']);
  });

  it('is pushed to the online members of a GROUP without seq or pts, and kept out of their SYNC', async () => {
    const { users: { alice, bob, carol } } = await h.setup(['alice', 'bob', 'carol']);
    await alice.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob', 'carol'] });

    await bob.client.send(typing('team', ConvType.GROUP));

    for (const member of [alice, carol]) {
      const push = await member.client.waitFor(match.push({ msgType: MsgType.TYPING }));
      expect(push.stamp).toMatchObject({ convId: groupConvId(ConvType.GROUP, 'team') });
      expect(push.stamp).not.toHaveProperty('seq');
      expect(push.stamp).not.toHaveProperty('pts');
      expect((await member.client.sync(0)).content.messages).toEqual([]);
    }
  });

  it('still goes through the filter: TYPING to a non-friend is NOT_FRIENDS (3001)', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);

    await expect(alice.client.send(typing('bob'))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });

    // bob's first push proves no TYPING reached him before it
    await bob.http.friendAdd('alice');
    await alice.http.friendAdd('bob');
    await alice.client.send(text('bob', 'marker'));
    await bob.client.waitFor(match.push({ text: 'marker' }));
    expect(bob.client.take(match.push({ msgType: MsgType.TYPING }))).toEqual([]);
  });
});

describe('control.persist=false is transient', () => {
  it('is acked with a msgId and no seq or pts, pushed to the online peer, and never in SYNC or HISTORY', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    const ack = await alice.client.send(ephemeral('bob', 'now you see me'));

    expect(ack.stamp.msgId).toMatch(/^[1-9][0-9]*$/);
    expect(ack.stamp).not.toHaveProperty('seq');
    expect(ack.stamp).not.toHaveProperty('pts');
    const push = await bob.client.waitFor(match.push({ text: 'now you see me' }));
    expect(push.stamp).toMatchObject({ msgId: ack.stamp.msgId, convId: CONV });
    expect(push.stamp).not.toHaveProperty('seq');
    expect(push.stamp).not.toHaveProperty('pts');
    const stored = await alice.client.send(text('bob', 'stored'));
    expect(stored.stamp).toMatchObject({ seq: 1, pts: 1 });
    for (const user of [alice, bob]) {
      expect((await user.client.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['stored']);
      expect((await user.client.history({ convId: CONV })).content.messages.map((m) => m.content.text)).toEqual(['stored']);
    }
  });

  it('is refused by the filter like a stored message: a group non-member gets NOT_MEMBER (3003)', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await alice.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team' });

    await expect(bob.client.send({ ...groupText('team', 'psst'), control: { persist: false } })).rejects.toMatchObject({
      code: ErrorCode.NOT_MEMBER,
    });
  });

  it('does not create the conversation: neither user lists it', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    await alice.client.send(ephemeral('bob', 'gone'));
    await bob.client.waitFor(match.push({ text: 'gone' }));

    expect((await alice.http.conversationList()).conversations).toEqual([]);
    expect((await bob.http.conversationList()).conversations).toEqual([]);
  });
});
