import { describe, expect, it } from 'vitest';
import { ImRequestError } from '../../src/client/errors.js';
import { ImClient } from '../../src/client/im-client.js';
import { match } from '../../src/client/match.js';
import { CmdType, ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { text } from '../helpers/messages.js';
import { rejection } from '../helpers/rejection.js';
import { passwordOf, registerUsers, useHarness } from '../helpers/server.js';

/**
 * One test per §5 code the WebSocket or HTTP side produces, for the codes the conversation
 * tests (test/conversations/) do not already pin down: 1000 (HTTP), 1001–1004, 2001–2005, 3012.
 * Assertions are on codes and statuses, never on message text.
 */

const h = useHarness();

describe('1000 BAD_FRAME', () => {
  it('is answered over WebSocket to a SEND without a route, echoing the reqId', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    const error = await rejection(alice.client.request(CmdType.SEND, { text: 'x' }, { header: { reqId: 'no-route' } }));

    expect(error).toBeInstanceOf(ImRequestError);
    expect(error).toMatchObject({ code: ErrorCode.BAD_FRAME });
  });

  it('is HTTP 400 for an invalid userId and for a body that is not JSON', async () => {
    const server = await h.startServer();

    await expect(server.http.register('not valid!', 'pw')).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME, status: 400 });
    const raw = await server.http.raw('POST', '/openapi/v1/user/register', '{"userId": ');
    expect(raw.status).toBe(400);
    expect(raw.json).toMatchObject({ code: ErrorCode.BAD_FRAME });
  });
});

describe('1001 UNKNOWN_CMD', () => {
  it('is answered over WebSocket to cmd 77, echoing the reqId', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    await expect(alice.client.request(77, {}, { header: { reqId: 'cmd-77' } })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_CMD });
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
  });

  it('is the code of an HTTP request to a path that does not exist (status 404)', async () => {
    const server = await h.startServer();

    const res = await server.http.raw('GET', '/openapi/v1/no/such/endpoint');

    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: ErrorCode.UNKNOWN_CMD });
  });
});

describe('1002 CONTENT_TOO_LARGE', () => {
  it('refuses a SEND whose content is over maxContentBytes and stores nothing', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true, maxContentBytes: 1024, maxFrameBytes: 8192 });

    await expect(alice.client.send(text('bob', 'x'.repeat(1100)))).rejects.toMatchObject({ code: ErrorCode.CONTENT_TOO_LARGE });

    const fits = await alice.client.send(text('bob', 'x'.repeat(900)));
    expect(fits.stamp).toMatchObject({ seq: 1, pts: 1 });
    expect((await bob.client.sync(0)).content.messages).toHaveLength(1);
  });

  it('is HTTP 413 for /system/send content over the limit', async () => {
    const { server } = await h.setup(['alice'], { maxContentBytes: 1024, maxFrameBytes: 8192 });

    const error = await rejection(server.admin.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'x'.repeat(1100) } }));

    expect(error).toMatchObject({ code: ErrorCode.CONTENT_TOO_LARGE, status: 413 });
  });
});

describe('1003 RATE_LIMITED', () => {
  it('refuses a SEND past the burst with retryAfterMs, stores nothing for it, and limits per user', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true, rateLimit: { burst: 1, perSecond: 0.001 } });
    await alice.client.send(text('bob', 'first'));

    const error = await rejection(alice.client.send(text('bob', 'second')));

    expect(error).toMatchObject({ code: ErrorCode.RATE_LIMITED, retryAfterMs: expect.any(Number) });
    expect((error as ImRequestError).retryAfterMs).toBeGreaterThan(0);
    expect((await bob.client.sync(0)).content.messages.map((m) => m.content.text)).toEqual(['first']);
    // bob has his own bucket; and non-SEND commands are not limited
    await expect(bob.client.send(text('alice', 'mine'))).resolves.toMatchObject({ stamp: { seq: 2 } });
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
  });
});

describe('1004 UNSUPPORTED_VERSION', () => {
  it('refuses header.version 2 and keeps the connection', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    await expect(alice.client.request(CmdType.PING, {}, { header: { version: 2 } })).rejects.toMatchObject({
      code: ErrorCode.UNSUPPORTED_VERSION,
    });

    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
  });

  it('refuses a SEND of header.version 2 and stores nothing', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    const route = { convType: ConvType.SINGLE, msgType: MsgType.TEXT, to: 'bob' };
    await expect(alice.client.request(CmdType.SEND, { text: 'v2' }, { header: { version: 2 }, route })).rejects.toMatchObject({
      code: ErrorCode.UNSUPPORTED_VERSION,
    });

    expect((await bob.client.sync(0)).content.messages).toEqual([]);
  });
});

describe('2001 TOKEN_INVALID', () => {
  it('refuses the WebSocket handshake with HTTP 401 for a token that is not one', async () => {
    const server = await h.startServer();

    await expect(ImClient.connect({ url: server.httpUrl, token: 'forged.token' })).rejects.toMatchObject({
      code: ErrorCode.TOKEN_INVALID,
      status: 401,
    });
  });

  it('refuses a token whose signature was tampered with, over HTTP and WebSocket', async () => {
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);
    const [body, sig] = alice.token.split('.') as [string, string];
    const tampered = `${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;

    await expect(server.http.withToken(tampered).friendList()).rejects.toMatchObject({ code: ErrorCode.TOKEN_INVALID, status: 401 });
    await expect(ImClient.connect({ url: server.httpUrl, token: tampered })).rejects.toMatchObject({ code: ErrorCode.TOKEN_INVALID });
  });

  it('refuses an HTTP call without a token with 401', async () => {
    const server = await h.startServer();

    await expect(server.http.conversationList()).rejects.toMatchObject({ code: ErrorCode.TOKEN_INVALID, status: 401 });
  });
});

describe('2002 TOKEN_EXPIRED', () => {
  it('refuses a token past its TTL over HTTP and in the WebSocket handshake; a new login works', async () => {
    let t = Date.now();
    const server = await h.startServer({ now: () => t, tokenTtlMs: 60_000 });
    const [alice] = await registerUsers(server, ['alice']);

    // When the clock passes the token's TTL
    t += 60_001;

    // Then
    await expect(alice.http.friendList()).rejects.toMatchObject({ code: ErrorCode.TOKEN_EXPIRED, status: 401 });
    await expect(ImClient.connect({ url: server.httpUrl, token: alice.token })).rejects.toMatchObject({
      code: ErrorCode.TOKEN_EXPIRED,
      status: 401,
    });
    const { token } = await server.http.login('alice', passwordOf('alice'));
    const client = h.track(await ImClient.connect({ url: server.httpUrl, token }));
    expect((await client.ping()).header.cmd).toBe(CmdType.PONG);
  });
});

describe('2003 BAD_CREDENTIALS', () => {
  it('refuses a wrong password and an unknown user alike with 401', async () => {
    const server = await h.startServer();
    await registerUsers(server, ['alice']);

    await expect(server.http.login('alice', 'wrong')).rejects.toMatchObject({ code: ErrorCode.BAD_CREDENTIALS, status: 401 });
    await expect(server.http.login('nobody', 'whatever')).rejects.toMatchObject({ code: ErrorCode.BAD_CREDENTIALS, status: 401 });
  });
});

describe('2004 USER_EXISTS', () => {
  it('refuses registering a taken userId, and the reserved `system`, with 409', async () => {
    const server = await h.startServer();
    await registerUsers(server, ['alice']);

    await expect(server.http.register('alice', 'another')).rejects.toMatchObject({ code: ErrorCode.USER_EXISTS, status: 409 });
    await expect(server.http.register('system', 'pw')).rejects.toMatchObject({ code: ErrorCode.USER_EXISTS, status: 409 });
    // the first registration still holds
    await expect(server.http.login('alice', passwordOf('alice'))).resolves.toMatchObject({ userId: 'alice' });
  });
});

describe('2005 FORBIDDEN', () => {
  it('refuses joining a GROUP by oneself and adding members as a plain member, with 403', async () => {
    const { users: { alice, bob, carol } } = await h.setup(['alice', 'bob', 'carol']);
    await alice.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob'] });

    await expect(carol.http.groupJoin('team')).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN, status: 403 });
    await expect(bob.http.groupAddMembers('team', ['carol'])).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN, status: 403 });

    expect((await alice.http.groupMembers('team')).members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
  });

  it('refuses the admin-only /system/send to a user token with 403', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    await expect(alice.http.systemSend({ to: 'alice', msgType: MsgType.SYSTEM, content: { text: 'x' } })).rejects.toMatchObject({
      code: ErrorCode.FORBIDDEN,
      status: 403,
    });
  });
});

describe('3012 GROUP_EXISTS', () => {
  it('refuses a groupId already taken, by any group type, with 409', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob']);
    await alice.http.groupCreate({ groupId: 'taken', type: ConvType.GROUP, name: 'First' });

    await expect(bob.http.groupCreate({ groupId: 'taken', type: ConvType.GROUP, name: 'Second' })).rejects.toMatchObject({
      code: ErrorCode.GROUP_EXISTS,
      status: 409,
    });
    await expect(bob.http.groupCreate({ groupId: 'taken', type: ConvType.CHATROOM, name: 'Third' })).rejects.toMatchObject({
      code: ErrorCode.GROUP_EXISTS,
      status: 409,
    });
    expect(await alice.http.groupInfo('taken')).toMatchObject({ type: ConvType.GROUP, name: 'First', owner: 'alice' });
  });
});

describe('error frames', () => {
  it('never close the connection: after ten refusals in a row the connection still answers', async () => {
    const { users: { alice } } = await h.setup(['alice', 'bob']);

    for (let i = 0; i < 10; i++) {
      await expect(alice.client.send(text('bob', `no ${i}`))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });
    }

    expect(alice.client.isOpen).toBe(true);
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
    expect(alice.client.take(match.error())).toEqual([]);
  });
});
