import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { SYSTEM_USER, systemConvId } from '../../src/protocol/ids.js';
import { systemText, text } from '../helpers/messages.js';
import { befriend, useHarness } from '../helpers/server.js';

const h = useHarness();

describe('SYSTEM_CONVERSATION (6): /system/send', () => {
  it('with the admin token, pushes a SYSTEM message from `system` with the user’s pts and puts it in their SYNC', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    // Given alice already holds one inbox row
    await bob.client.send(text('alice', 'warm-up'));
    await alice.client.waitFor(match.push({ from: 'bob' }));

    // When
    const stamp = await server.admin.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'welcome' } });

    // Then
    expect(stamp).toMatchObject({ convId: systemConvId('alice'), seq: 1, pts: 2 });
    const push = await alice.client.waitFor(match.push({ convId: systemConvId('alice') }));
    expect(push.route).toMatchObject({ convType: ConvType.SYSTEM_CONVERSATION, msgType: MsgType.SYSTEM, from: SYSTEM_USER, to: 'alice' });
    expect(push.content).toEqual({ text: 'welcome' });
    expect(push.stamp).toMatchObject({ msgId: stamp.msgId, convId: systemConvId('alice'), seq: 1, pts: 2 });
    const sync = await alice.client.sync(1);
    expect(sync.content.messages.map((m) => [m.stamp.pts, m.route.from, m.route.msgType, m.content.text])).toEqual([
      [2, SYSTEM_USER, MsgType.SYSTEM, 'welcome'],
    ]);
    const history = await alice.client.history({ convId: systemConvId('alice') });
    expect(history.content.messages.map((m) => m.stamp.msgId)).toEqual([stamp.msgId]);
  });

  it('reaches only the addressed user', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob']);

    await server.admin.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'for alice' } });
    await server.admin.systemSend({ to: 'bob', msgType: MsgType.SYSTEM, content: { text: 'for bob' } });
    await bob.client.waitFor(match.push({ text: 'for bob' }));

    expect(bob.client.take(match.push({ text: 'for alice' }))).toEqual([]);
    expect((await bob.client.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['for bob']);
    await expect(bob.client.history({ convId: systemConvId('alice') })).rejects.toMatchObject({ code: ErrorCode.NOT_MEMBER });
  });

  it('keeps a TYPING sent through /system/send transient (or refuses it with 1000): it never enters SYNC or HISTORY', async () => {
    const { server, users: { alice } } = await h.setup(['alice']);

    const outcome = await server.admin.systemSend({ to: 'alice', msgType: MsgType.TYPING, content: {} }).catch((e: unknown) => e);
    await server.admin.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'marker' } });
    await alice.client.waitFor(match.push({ text: 'marker' }));

    if (outcome instanceof Error) expect(outcome).toMatchObject({ code: ErrorCode.BAD_FRAME });
    const sync = await alice.client.sync(0);
    expect(sync.content.messages.map((m) => m.route.msgType)).toEqual([MsgType.SYSTEM]);
    const history = await alice.client.history({ convId: systemConvId('alice') });
    expect(history.content.messages.map((m) => m.route.msgType)).toEqual([MsgType.SYSTEM]);
  });

  it('refuses a user token with FORBIDDEN (2005) and delivers nothing', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);

    await expect(bob.http.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'fake notice' } })).rejects.toMatchObject({
      code: ErrorCode.FORBIDDEN,
      status: 403,
    });

    expect((await alice.client.sync(0)).content).toMatchObject({ messages: [], maxPts: 0 });
  });

  it('refuses a user that does not exist with USER_NOT_FOUND (3009)', async () => {
    const { server } = await h.setup(['alice']);

    await expect(server.admin.systemSend({ to: 'ghost', msgType: MsgType.SYSTEM, content: { text: 'x' } })).rejects.toMatchObject({
      code: ErrorCode.USER_NOT_FOUND,
      status: 404,
    });
  });
});

describe('SYSTEM_CONVERSATION (6): users cannot write', () => {
  it('refuses a SEND to one’s own system conversation with SYSTEM_READ_ONLY (3007)', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    await expect(alice.client.send(systemText('alice', 'note to self'))).rejects.toMatchObject({ code: ErrorCode.SYSTEM_READ_ONLY });

    expect((await alice.client.sync(0)).content.messages).toEqual([]);
  });

  it('refuses a SEND to another user’s system conversation with SYSTEM_READ_ONLY (3007), friends or not', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await befriend(alice, bob);

    await expect(alice.client.send(systemText('bob', 'I am the system'))).rejects.toMatchObject({ code: ErrorCode.SYSTEM_READ_ONLY });

    expect((await bob.client.sync(0)).content.messages).toEqual([]);
  });

  it('refuses msgType SYSTEM (100) from a client in any conversation with BAD_FRAME (1000)', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    const forged = { convType: ConvType.SINGLE, msgType: MsgType.SYSTEM, to: 'bob', content: { text: 'official' } } as const;
    await expect(alice.client.send(forged)).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });

    expect((await bob.client.sync(0)).content.messages).toEqual([]);
  });
});
