import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImClient } from '../../src/client/im-client.js';
import { CloseCode, ErrorCode } from '../../src/protocol/codes.js';
import { connectUser, registerUsers, startServer, useHarness, type TestServer, type TestUser } from '../helpers/server.js';

/**
 * Tokens can be revoked: POST /user/logout revokes the token it is called with, POST
 * /user/password revokes every token of the user. A revoked token is refused (401 / 2001) by the
 * HTTP API and the WebSocket handshake, and its open connections are closed with 4003.
 */

const h = useHarness();

/** A second login of the same user: another token, as another device would hold. */
async function secondToken(server: TestServer, user: TestUser): Promise<TestUser> {
  const { token } = await server.http.login(user.userId, user.password);
  return { ...user, token, http: server.http.withToken(token) };
}

const refusalOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('POST /user/logout', () => {
  it('revokes the token: HTTP and handshake refuse it, its connection closes with 4003, the user\'s other tokens live on', async () => {
    // Given alice logged in twice, with a connection on each token
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);
    const laptop = await secondToken(server, alice);
    const phoneWs = await h.connect(server, alice, 'phone');
    const laptopWs = await h.connect(server, laptop, 'laptop');

    // When the phone logs out
    await alice.http.logout();

    // Then its connection is closed with 4003, and its token is refused everywhere
    expect(await phoneWs.waitForClose()).toMatchObject({ code: CloseCode.TOKEN_EXPIRED });
    expect(await refusalOf(alice.http.friendList())).toMatchObject({ code: ErrorCode.TOKEN_INVALID, status: 401 });
    expect(await refusalOf(connectUser(server, alice, 'phone'))).toMatchObject({ code: ErrorCode.TOKEN_INVALID, status: 401 });
    expect(await refusalOf(alice.http.logout())).toMatchObject({ code: ErrorCode.TOKEN_INVALID });
    // ... while the laptop's token and connection are untouched
    expect(laptopWs.isOpen).toBe(true);
    expect((await laptopWs.ping()).header.cmd).toBeDefined();
    expect(await laptop.http.friendList()).toEqual({ friends: [], pendingIn: [], pendingOut: [] });
  });
});

describe('POST /user/password', () => {
  it('with the right old password revokes every token of the user and answers with a fresh one', async () => {
    const server = await h.startServer();
    const [alice, bob] = await registerUsers(server, ['alice', 'bob']);
    const laptop = await secondToken(server, alice);
    const phoneWs = await h.connect(server, alice, 'phone');
    const laptopWs = await h.connect(server, laptop, 'laptop');
    const bobWs = await h.connect(server, bob);

    const fresh = await alice.http.changePassword(alice.password, 'new-secret');

    expect(fresh).toMatchObject({ userId: 'alice', token: expect.any(String), expiresAt: expect.any(Number) });
    expect(await phoneWs.waitForClose()).toMatchObject({ code: CloseCode.TOKEN_EXPIRED });
    expect(await laptopWs.waitForClose()).toMatchObject({ code: CloseCode.TOKEN_EXPIRED });
    for (const old of [alice, laptop]) {
      expect(await refusalOf(old.http.friendList())).toMatchObject({ code: ErrorCode.TOKEN_INVALID });
    }
    // the fresh token works, the new password logs in and the old one no longer does
    expect(await server.http.withToken(fresh.token).friendList()).toEqual({ friends: [], pendingIn: [], pendingOut: [] });
    const ws = await h.track(await ImClient.connect({ url: server.httpUrl, token: fresh.token, userId: 'alice', deviceId: 'phone' }));
    expect(ws.isOpen).toBe(true);
    expect((await server.http.login('alice', 'new-secret')).userId).toBe('alice');
    expect(await refusalOf(server.http.login('alice', alice.password))).toMatchObject({ code: ErrorCode.BAD_CREDENTIALS });
    // ... and other users are untouched
    expect(bobWs.isOpen).toBe(true);
  });

  it('with a wrong old password is 401 / 2003 and changes nothing', async () => {
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);

    expect(await refusalOf(alice.http.changePassword('wrong', 'new-secret'))).toMatchObject({ code: ErrorCode.BAD_CREDENTIALS, status: 401 });

    expect(await alice.http.friendList()).toEqual({ friends: [], pendingIn: [], pendingOut: [] });
    expect((await server.http.login('alice', alice.password)).userId).toBe('alice');
  });
});

describe('revocations', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('survive a restart of the server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'im-revoke-'));
    dirs.push(dir);
    const db = join(dir, 'im.db');
    const first = await startServer({ db });
    const [alice] = await registerUsers(first, ['alice']);
    const kept = await secondToken(first, alice);
    await alice.http.logout();
    await first.close();

    const second = await startServer({ db });
    try {
      const again = (u: TestUser) => second.http.withToken(u.token);
      expect(await refusalOf(again(alice).friendList())).toMatchObject({ code: ErrorCode.TOKEN_INVALID });
      expect(await again(kept).friendList()).toEqual({ friends: [], pendingIn: [], pendingOut: [] });
    } finally {
      await second.close();
    }
  });
});
