import { describe, expect, it } from 'vitest';
import { ImClientError, ImRequestError } from '../../src/client/errors.js';
import { ImHttp } from '../../src/client/http-client.js';
import { match } from '../../src/client/match.js';
import { ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { systemConvId } from '../../src/protocol/ids.js';
import { text } from '../helpers/messages.js';
import { rejection } from '../helpers/rejection.js';
import { befriend, registerUsers, useHarness } from '../helpers/server.js';

const h = useHarness();

describe('ImHttp', () => {
  it('registers, logs in and reads a profile', async () => {
    const server = await h.startServer();

    const registered = await server.http.register('alice', 'secret', 'Alice');
    const login = await server.http.login('alice', 'secret');
    const profile = await server.http.withToken(login.token).profile('alice');

    expect(registered).toEqual({ userId: 'alice' });
    expect(login).toMatchObject({ userId: 'alice', token: expect.any(String), expiresAt: expect.any(Number) });
    expect(profile).toEqual({ userId: 'alice', nickname: 'Alice' });
  });

  it('throws ImRequestError with code, codeName and HTTP status on a non-zero code', async () => {
    const server = await h.startServer();
    await server.http.register('alice', 'secret');

    const exists = await rejection(server.http.register('alice', 'other'));
    const badPassword = await rejection(server.http.login('alice', 'wrong'));
    const noToken = await rejection(server.http.friendList());

    expect(exists).toBeInstanceOf(ImRequestError);
    expect(exists).toMatchObject({ code: ErrorCode.USER_EXISTS, codeName: 'USER_EXISTS', status: 409 });
    expect(badPassword).toMatchObject({ code: ErrorCode.BAD_CREDENTIALS, status: 401 });
    expect(noToken).toMatchObject({ code: ErrorCode.TOKEN_INVALID, status: 401 });
  });

  it('throws ImClientError("network") naming the URL when the server is unreachable', async () => {
    const server = await h.startServer();
    await server.close();

    const error = await rejection(new ImHttp(server.httpUrl).login('alice', 'secret'));

    expect(error).toBeInstanceOf(ImClientError);
    expect(error).toMatchObject({ reason: 'network' });
    expect((error as Error).message).toContain(`${server.httpUrl}/openapi/v1/user/login`);
  });

  it('wraps the friend calls', async () => {
    const server = await h.startServer();
    const [alice, bob] = await registerUsers(server, ['alice', 'bob']);

    const first = await alice.http.friendAdd('bob');
    const pending = await bob.http.friendList();
    const second = await bob.http.friendAdd('alice');
    const friends = await alice.http.friendList();

    expect(first).toEqual({ status: 'pending' });
    expect(pending).toEqual({ friends: [], pendingIn: ['alice'], pendingOut: [] });
    expect(second).toEqual({ status: 'friends' });
    expect(friends).toEqual({ friends: ['bob'], pendingIn: [], pendingOut: [] });
  });

  it('wraps the group calls', async () => {
    const server = await h.startServer();
    const [owner, ann, ben] = await registerUsers(server, ['owner', 'ann', 'ben']);

    const created = await owner.http.groupCreate({ groupId: 'g1', type: ConvType.GROUP, name: 'G', members: ['ann'] });
    await owner.http.groupAddMembers('g1', ['ben']);
    await owner.http.groupSetRole('g1', 'ann', 'admin');
    await ann.http.groupMute('g1', 'ben', true);
    const info = await ben.http.groupInfo('g1');
    const { members } = await owner.http.groupMembers('g1');
    await ben.http.groupLeave('g1');
    await owner.http.groupRemoveMembers('g1', ['ann']);
    const after = await owner.http.groupMembers('g1');

    expect(created).toEqual({ groupId: 'g1', convId: 'group:g1' });
    expect(info).toMatchObject({ groupId: 'g1', convId: 'group:g1', type: ConvType.GROUP, name: 'G', owner: 'owner', memberCount: 3 });
    expect(members).toEqual(
      expect.arrayContaining([
        { userId: 'owner', role: 'owner', muted: false },
        { userId: 'ann', role: 'admin', muted: false },
        { userId: 'ben', role: 'member', muted: true },
      ]),
    );
    expect(after.members.map((m) => m.userId)).toEqual(['owner']);
  });

  it('joins an open chatroom, and is refused FORBIDDEN for a plain group', async () => {
    const server = await h.startServer();
    const [owner, guest] = await registerUsers(server, ['owner', 'guest']);
    await owner.http.groupCreate({ groupId: 'room', type: ConvType.CHATROOM, name: 'Room' });
    await owner.http.groupCreate({ groupId: 'closed', type: ConvType.GROUP, name: 'Closed' });

    await guest.http.groupJoin('room');
    const refused = await rejection(guest.http.groupJoin('closed'));

    expect((await owner.http.groupInfo('room')).memberCount).toBe(2);
    expect(refused).toMatchObject({ code: ErrorCode.FORBIDDEN, status: 403 });
  });

  it('wraps block, settings and the conversation list', async () => {
    const server = await h.startServer();
    const [alice, bob] = await registerUsers(server, ['alice', 'bob']);
    await befriend(alice, bob);
    const client = await h.connect(server, alice);
    await client.send(text('bob', 'hi'));

    const { conversations } = await bob.http.conversationList();
    await bob.http.settings({ allowStrangers: false });
    await bob.http.block('alice');
    const blocked = await rejection(client.send(text('bob', 'x')));
    await bob.http.unblock('alice');
    await bob.http.friendRemove('alice');

    expect(conversations).toEqual([expect.objectContaining({ convId: 'single:alice:bob', target: 'alice', maxSeq: 1, unread: 1 })]);
    expect(blocked).toMatchObject({ code: ErrorCode.BLOCKED });
    expect((await bob.http.friendList()).friends).toEqual([]);
  });

  it('sends a system message with the admin token only', async () => {
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);
    const client = await h.connect(server, alice);

    const stamp = await server.admin.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'welcome' } });
    const push = await client.waitFor(match.push({ convId: systemConvId('alice') }));
    const refused = await rejection(alice.http.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'x' } }));

    expect(stamp).toMatchObject({ convId: 'system:alice', seq: 1, pts: 1 });
    expect(push.content).toEqual({ text: 'welcome' });
    expect(refused).toBeInstanceOf(ImRequestError);
  });

  it('reports health and metrics', async () => {
    const server = await h.startServer();

    const health = await server.http.healthz();
    const metrics = await server.http.metrics();

    expect(health).toMatchObject({ ok: true, status: 200 });
    expect(metrics).toMatch(/^# (HELP|TYPE) /m);
  });

  it('raw() sends a body verbatim and returns the answer without throwing', async () => {
    const server = await h.startServer();

    const res = await server.http.raw('POST', '/openapi/v1/user/register', '{not json');

    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: ErrorCode.BAD_FRAME });
  });
});
