import { describe, expect, it } from 'vitest';
import { ImClientError, ImRequestError } from '../../src/client/errors.js';
import { ImClient } from '../../src/client/im-client.js';
import { isFrame, match } from '../../src/client/match.js';
import { CloseCode, CmdType, ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { nextFrame, pushesOf, range, sortedNumbers } from '../helpers/frames.js';
import { text } from '../helpers/messages.js';
import { rejection } from '../helpers/rejection.js';
import { connectUser, passwordOf, registerUsers, useHarness } from '../helpers/server.js';

const h = useHarness();

describe('ImClient request/reply', () => {
  it('resolves each of many concurrent requests with the reply that echoes its reqId', async () => {
    const { users: { alice } } = await h.setup(['alice', 'bob'], { friends: true });

    const [pong, sync, ...acks] = await Promise.all([
      alice.client.ping(),
      alice.client.sync(0),
      ...Array.from({ length: 20 }, (_, i) => alice.client.send(text('bob', `m${i}`))),
    ]);

    expect(pong.header.cmd).toBe(CmdType.PONG);
    expect(sync.header.cmd).toBe(CmdType.SYNC_RESP);
    expect(sortedNumbers(acks.map((a) => a.stamp.seq))).toEqual(range(1, 20));
    expect(new Set(acks.map((a) => a.header.reqId)).size).toBe(20);
    expect(alice.client.inbox).toEqual([]);
    expect(alice.client.lastRttMs).toBeGreaterThanOrEqual(0);
  });

  it('sends a caller-chosen reqId and resolves with the reply that echoes it', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    const reply = await alice.client.request(CmdType.PING, {}, { header: { reqId: 'mine-1' } });

    expect(reply.header).toMatchObject({ cmd: CmdType.PONG, reqId: 'mine-1' });
  });

  it('rejects with ImRequestError carrying the code when the server answers ERROR', async () => {
    const { users: { alice } } = await h.setup(['alice', 'carol']);

    const notFriends = await rejection(alice.client.send(text('carol', 'hi')));
    const unknownCmd = await rejection(alice.client.request(77, {}));

    expect(notFriends).toBeInstanceOf(ImRequestError);
    expect(notFriends).toMatchObject({ code: ErrorCode.NOT_FRIENDS, codeName: 'NOT_FRIENDS', status: undefined });
    expect(unknownCmd).toMatchObject({ code: ErrorCode.UNKNOWN_CMD, codeName: 'UNKNOWN_CMD' });
    expect(alice.client.inbox).toEqual([]);
  });

  it('fails a pending request with reason "closed" when the connection drops', async () => {
    const { users: { alice } } = await h.setup(['alice']);
    // PUSH_ACK has no reply, so this request stays pending until the socket goes.
    const pending = rejection(alice.client.request(CmdType.PUSH_ACK, { pts: 0 }));

    const closed = await alice.client.terminate();

    expect(closed.code).toBe(1006);
    expect(await pending).toMatchObject({ name: 'ImClientError', reason: 'closed' });
    expect(alice.client.isOpen).toBe(false);
  });

  it('fails a request with reason "timeout" when no reply comes in time', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    const error = await rejection(alice.client.request(CmdType.PUSH_ACK, { pts: 0 }, {}, { timeoutMs: 50 }));

    expect(error).toBeInstanceOf(ImClientError);
    expect(error).toMatchObject({ reason: 'timeout' });
  });
});

describe('ImClient inbox', () => {
  it('keeps a PUSH that arrives while another request is pending', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const pending = rejection(bob.client.request(CmdType.PUSH_ACK, { pts: 0 })); // never answered

    await alice.client.send(text('bob', 'while you wait'));
    const push = await bob.client.waitFor(match.push({ from: 'alice', text: 'while you wait' }));

    expect(push.stamp).toMatchObject({ convId: pairConvId(ConvType.SINGLE, 'alice', 'bob'), seq: 1, pts: 1 });
    expect(bob.client.lastPts).toBe(1);
    await bob.client.close();
    expect(await pending).toMatchObject({ reason: 'closed' });
  });

  it('loses no PUSH while replies to interleaved requests come back', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });

    const [, pongs] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, (_, i) => alice.client.send(text('bob', `n${i}`)))),
      Promise.all(Array.from({ length: 20 }, () => bob.client.ping())),
    ]);
    for (let i = 0; i < 20; i++) await bob.client.waitFor(match.push({ text: `n${i}` }));

    expect(pongs.every((p) => p.header.cmd === CmdType.PONG)).toBe(true);
    expect(bob.client.inbox).toEqual([]);
    expect(pushesOf(bob.client)).toHaveLength(20);
  });

  it('waitFor resolves with a frame that arrived before it was called, and removes it', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const arrived = nextFrame(bob.client);
    await alice.client.send(text('bob', 'early'));
    await arrived;
    expect(bob.client.inbox).toHaveLength(1);

    const push = await bob.client.waitFor(match.push({ text: 'early' }));

    expect(push.content).toEqual({ text: 'early' });
    expect(bob.client.inbox).toEqual([]);
  });

  it('waitFor times out with an error that lists what the inbox holds, and keeps those frames', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    const arrived = nextFrame(bob.client);
    await alice.client.send(text('bob', 'hello there'));
    await arrived;

    const error = await rejection(bob.client.waitFor(match.push({ text: 'never sent' }), { timeoutMs: 100 }));

    expect(error).toMatchObject({ name: 'ImClientError', reason: 'timeout' });
    expect((error as Error).message).toContain('"text":"hello there"');
    expect(bob.client.inbox).toHaveLength(1);
  });

  it('take removes every matching frame and leaves the rest', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    for (const body of ['a', 'b', 'c']) await alice.client.send(text('bob', body));
    await bob.client.waitFor(match.push({ text: 'c' }));

    const taken = bob.client.take(match.push({ text: 'a' }));

    expect(taken.map((f) => f.content.text)).toEqual(['a']);
    expect(bob.client.inbox.map((f) => (isFrame(f, CmdType.PUSH) ? f.content.text : f.header.cmd))).toEqual(['b']);
  });

  it('puts an ERROR answering a malformed raw frame in the inbox', async () => {
    const { users: { alice } } = await h.setup(['alice']);

    await alice.client.raw('{not json');
    const error = await alice.client.waitFor(match.error());

    expect(error.content.code).toBe(ErrorCode.BAD_FRAME);
    expect(alice.client.isOpen).toBe(true);
  });

  it('delivers KICK to the older connection of a device, then its close 4001', async () => {
    const { server, users: { alice } } = await h.setup(['alice']);

    await h.connect(server, alice); // same deviceId 'default'
    const kick = await alice.client.waitFor(match.kick());
    const closed = await alice.client.waitForClose();

    expect(kick.content.reason).toEqual(expect.any(String));
    expect(closed.code).toBe(CloseCode.KICKED);
    await expect(alice.client.waitFor(match.push(), { timeoutMs: 1000 })).rejects.toMatchObject({ reason: 'closed' });
  });
});

describe('ImClient sync', () => {
  it('syncAll pages through hasMore and tracks lastPts', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true });
    for (let i = 1; i <= 5; i++) await alice.client.send(text('bob', `s${i}`));
    const phone = await h.connect(server, bob, 'phone');

    const { messages, maxPts } = await phone.syncAll(0, 2);

    expect(messages.map((m) => m.stamp.pts)).toEqual([1, 2, 3, 4, 5]);
    expect(maxPts).toBe(5);
    expect(phone.lastPts).toBe(5);
  });

  it('syncAll waits out the read budget (1003 retryAfterMs) instead of failing, where a plain sync is refused', async () => {
    // Given a server whose read budget is 100 rows, refilled at 400 rows/s, and 300 messages for bob
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true, readRateLimit: { burst: 100, perSecond: 400 } });
    await Promise.all(range(1, 300).map((i) => alice.client.send(text('bob', `m${i}`))));
    const phone = await h.connect(server, bob, 'phone');

    const { messages } = await phone.syncAll(0, 100);

    expect(messages.map((m) => m.stamp.pts)).toEqual(range(1, 300));
    // the budget is spent: a plain SYNC right now is refused with a wait
    expect(await rejection(phone.sync(0, 100))).toMatchObject({ code: ErrorCode.RATE_LIMITED });
  });
});

describe('ImClient.connect', () => {
  it('rejects a bad token with ImRequestError TOKEN_INVALID and HTTP status 401', async () => {
    const server = await h.startServer();

    const error = await rejection(ImClient.connect({ url: server.httpUrl, token: 'not-a-token' }));

    expect(error).toBeInstanceOf(ImRequestError);
    expect(error).toMatchObject({ code: ErrorCode.TOKEN_INVALID, status: 401 });
    expect((error as Error).message).not.toContain('not-a-token');
  });

  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    const clock = { now: Date.now() };
    const server = await h.startServer({ now: () => clock.now, tokenTtlMs: 1000 });
    const [alice] = await registerUsers(server, ['alice']);
    clock.now += 2000;

    const error = await rejection(connectUser(server, alice));

    expect(error).toMatchObject({ name: 'ImRequestError', code: ErrorCode.TOKEN_EXPIRED, status: 401 });
  });

  it('rejects with reason "network" when nothing listens at the URL', async () => {
    const server = await h.startServer();
    await server.close();

    const error = await rejection(ImClient.connect({ url: server.httpUrl, token: 't' }));

    expect(error).toMatchObject({ name: 'ImClientError', reason: 'network' });
  });

  it('login() logs in over HTTP and derives the ws URL from the HTTP base', async () => {
    const server = await h.startServer();
    await server.http.register('dora', passwordOf('dora'));

    const client = h.track(await ImClient.login(server.httpUrl, 'dora', passwordOf('dora'), { deviceId: 'tablet' }));

    expect(client).toMatchObject({ userId: 'dora', deviceId: 'tablet', isOpen: true });
    expect((await client.ping()).header.cmd).toBe(CmdType.PONG);
  });
});
