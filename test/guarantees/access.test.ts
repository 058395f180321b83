import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { CmdType, ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { pushesOf } from '../helpers/frames.js';
import { groupText, text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';

/**
 * PROTOCOL.md §6.4: no one receives a PUSH for, or reads HISTORY of, a conversation they are not
 * in now; SYNC returns only the user's own inbox. READ is held to the same membership rule.
 */

const h = useHarness();

const AB = pairConvId(ConvType.SINGLE, 'alice', 'bob');
const GROUP = 'team';
const TEAM = `group:${GROUP}`;

describe('§6.4 SYNC returns only the user\'s own inbox', () => {
  it('never gives carol the messages of a chat or a group she is not in', async () => {
    // Given alice and bob chat and share a group; alice also writes to carol once
    const { users: { alice, bob, carol } } = await h.setup(['alice', 'bob', 'carol'], { friends: true });
    await alice.http.groupCreate({ groupId: GROUP, type: ConvType.GROUP, name: 'team', members: ['bob'] });
    await alice.client.send(text('bob', 'a to b'));
    await bob.client.send(text('alice', 'b to a'));
    await alice.client.send(groupText(GROUP, 'team only'));
    const toCarol = await alice.client.send(text('carol', 'a to c'));

    // When carol SYNCs from 0
    const { content } = await carol.client.sync(0);

    // Then she gets her one message and nothing of the others'
    expect(content.messages.map((m) => [m.stamp.convId, m.stamp.msgId, m.stamp.pts])).toEqual([
      [pairConvId(ConvType.SINGLE, 'alice', 'carol'), toCarol.stamp.msgId, 1],
    ]);
    expect(content.maxPts).toBe(1);
    expect(content.hasMore).toBe(false);
  });
});

describe('§6.4 HISTORY and READ need membership', () => {
  it('refuses a one-to-one or system conversation of others with 3003', async () => {
    // Given alice and bob have a conversation, and alice a system conversation
    const { server, users: { alice, carol } } = await h.setup(['alice', 'bob', 'carol'], { friends: true });
    await alice.client.send(text('bob', 'private'));
    await server.admin.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'welcome' } });

    // When carol asks for their history or marks them read, Then each is NOT_MEMBER
    for (const convId of [AB, 'system:alice']) {
      await expect(carol.client.history({ convId })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
      await expect(carol.client.history({ convId, afterSeq: 0 })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
      await expect(carol.client.read(convId, 1)).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
    }
    expect(carol.client.isOpen).toBe(true);
  });

  it('refuses a group one is not in with 3003', async () => {
    // Given a group of alice and bob with a message in it
    const { users: { alice, carol } } = await h.setup(['alice', 'bob', 'carol']);
    await alice.http.groupCreate({ groupId: GROUP, type: ConvType.GROUP, name: 'team', members: ['bob'] });
    await alice.client.send(groupText(GROUP, 'members only'));

    // When carol asks for its history or marks it read, Then each is NOT_MEMBER
    await expect(carol.client.history({ convId: TEAM })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
    await expect(carol.client.read(TEAM, 1)).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
  });

  it('answers 3008 for a group conversation that does not exist', async () => {
    // Given a GROUP "team" exists, but no group "ghost" and no CHANNEL "team"
    const { users: { alice } } = await h.setup(['alice']);
    await alice.http.groupCreate({ groupId: GROUP, type: ConvType.GROUP, name: 'team' });

    // When alice names them, Then each is CONVERSATION_NOT_FOUND
    for (const convId of ['group:ghost', `channel:${GROUP}`]) {
      await expect(alice.client.history({ convId })).rejects.toMatchObject({ code: ErrorCode.CONVERSATION_NOT_FOUND });
      await expect(alice.client.read(convId, 1)).rejects.toMatchObject({ code: ErrorCode.CONVERSATION_NOT_FOUND });
    }
  });

  it('answers 1000 for a malformed convId and keeps the connection', async () => {
    const { users: { alice } } = await h.setup(['alice', 'bob'], { friends: true });
    await alice.client.send(text('bob', 'hi'));

    // When alice names conversations no server could have made, Then each is BAD_FRAME
    for (const convId of ['nonsense', 'single:bob:alice', 'single:alice', 'single:alice:alice', 'group:', 'group:a:b', 'group:bad id']) {
      await expect(alice.client.history({ convId }), convId).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
      await expect(alice.client.read(convId, 1), convId).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
    }
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
  });
});

describe('§6.4 group messages reach current members only', () => {
  it('never pushes a group message to a non-member, a removed member or one who left', async () => {
    // Given a group of alice (owner), bob, carol and dave; erin is not in it; all are online
    const { users: { alice, bob, carol, dave, erin } } = await h.setup(['alice', 'bob', 'carol', 'dave', 'erin'], { friends: true });
    await alice.http.groupCreate({ groupId: GROUP, type: ConvType.GROUP, name: 'team', members: ['bob', 'carol', 'dave'] });
    await alice.client.send(groupText(GROUP, 'before'));
    for (const member of [bob, carol, dave]) await member.client.waitFor(match.push({ text: 'before' }));

    // When carol is removed, dave leaves, and alice posts to the group
    await alice.http.groupRemoveMembers(GROUP, ['carol']);
    await dave.http.groupLeave(GROUP);
    const after = await alice.client.send(groupText(GROUP, 'after'));
    await bob.client.waitFor(match.push({ text: 'after' }));
    // ... then writes to each outsider directly: delivery is in order, so that PUSH comes last
    for (const outsider of [carol, dave, erin]) {
      await alice.client.send(text(outsider.userId, 'marker'));
      await outsider.client.waitFor(match.push({ text: 'marker' }));
    }

    // Then no outsider was pushed the later group message
    for (const outsider of [carol, dave, erin]) {
      expect(pushesOf(outsider.client).filter((p) => p.stamp.convId === TEAM).map((p) => p.content.text)).toEqual(
        outsider === erin ? [] : ['before'],
      );
    }
    // ... their SYNC keeps what they received while members, and lacks what came after
    for (const outsider of [carol, dave, erin]) {
      const { messages } = await outsider.client.syncAll(0);
      expect(messages.some((m) => m.stamp.msgId === after.stamp.msgId)).toBe(false);
      expect(messages.filter((m) => m.stamp.convId === TEAM).map((m) => m.content.text)).toEqual(outsider === erin ? [] : ['before']);
    }
    // ... and the group's history and read state are closed to them now
    for (const outsider of [carol, dave, erin]) {
      await expect(outsider.client.history({ convId: TEAM })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
      await expect(outsider.client.read(TEAM, 2)).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
    }
  });
});
