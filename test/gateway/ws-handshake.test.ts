import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { ImRequestError } from '../../src/client/errors.js';
import { ImClient } from '../../src/client/im-client.js';
import { CmdType, ErrorCode } from '../../src/protocol/codes.js';
import { registerUsers, useHarness, type TestServer } from '../helpers/server.js';

const h = useHarness();

type HandshakeOutcome = { opened: true } | { opened: false; status: number; body: unknown };

/** One raw handshake: whether a socket opened, or the HTTP refusal with its parsed body. */
function handshake(url: string, headers: Record<string, string> = {}): Promise<HandshakeOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', (e) => reject(e));
    ws.once('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        ws.removeAllListeners('error');
        ws.on('error', () => {});
        ws.terminate();
        resolve({ opened: false, status: res.statusCode ?? 0, body: parse(text) });
      });
    });
  });
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

const wsUrl = (server: TestServer, query: Record<string, string>, path = '/ws'): string => {
  const url = new URL(server.wsUrl);
  url.pathname = path;
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
};

/** No socket was accepted: the server counts none open and none ever accepted. */
async function expectNoConnectionAccepted(server: TestServer): Promise<void> {
  const metrics = await server.http.metrics();
  expect(metrics).toMatch(/^im_connections 0$/m);
  expect(metrics).not.toMatch(/^im_connections_total [1-9]/m);
}

describe('WebSocket handshake: authentication', () => {
  it('refuses a handshake without a token with HTTP 401 and opens no socket', async () => {
    const server = await h.startServer();

    const outcome = await handshake(wsUrl(server, {}));

    expect(outcome).toEqual({ opened: false, status: 401, body: expect.objectContaining({ code: ErrorCode.TOKEN_INVALID }) });
    await expectNoConnectionAccepted(server);
  });

  it('rejects ImClient.connect without a token with TOKEN_INVALID (2001)', async () => {
    const server = await h.startServer();

    const error = await ImClient.connect({ url: server.httpUrl, token: '' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ImRequestError);
    expect(error).toMatchObject({ code: ErrorCode.TOKEN_INVALID, status: 401 });
    await expectNoConnectionAccepted(server);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['two dots', 'a.b.c'],
    ['a signature of another secret', 'eyJ1IjoiYWxpY2UiLCJlIjo5OTk5OTk5OTk5OTk5fQ.c2lnbmF0dXJl'],
  ])('refuses a bad token (%s) with HTTP 401 / TOKEN_INVALID (2001) and opens no socket', async (_name, token) => {
    const server = await h.startServer();

    const outcome = await handshake(wsUrl(server, { token }));
    const error = await ImClient.connect({ url: server.httpUrl, token }).catch((e: unknown) => e);

    expect(outcome).toEqual({ opened: false, status: 401, body: expect.objectContaining({ code: ErrorCode.TOKEN_INVALID }) });
    expect(error).toMatchObject({ name: 'ImRequestError', code: ErrorCode.TOKEN_INVALID, status: 401 });
    await expectNoConnectionAccepted(server);
  });

  it('refuses an expired token with HTTP 401 / TOKEN_EXPIRED (2002)', async () => {
    let t = Date.now();
    const server = await h.startServer({ now: () => t, tokenTtlMs: 1000 });
    const [alice] = await registerUsers(server, ['alice']);
    t += 1001;

    const outcome = await handshake(wsUrl(server, { token: alice.token }));
    const error = await ImClient.connect({ url: server.httpUrl, token: alice.token }).catch((e: unknown) => e);

    expect(outcome).toEqual({ opened: false, status: 401, body: expect.objectContaining({ code: ErrorCode.TOKEN_EXPIRED }) });
    expect(error).toMatchObject({ name: 'ImRequestError', code: ErrorCode.TOKEN_EXPIRED, status: 401 });
    await expectNoConnectionAccepted(server);
  });

  it('accepts a valid token', async () => {
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);

    const outcome = await handshake(wsUrl(server, { token: alice.token }));

    expect(outcome).toEqual({ opened: true });
  });
});

describe('WebSocket handshake: path and query', () => {
  it.each(['/', '/wss', '/ws/extra', '/openapi/v1/ws', '/WS'])('refuses the path %j with HTTP 404, even with a valid token', async (path) => {
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);

    const outcome = await handshake(wsUrl(server, { token: alice.token }, path));

    expect(outcome).toMatchObject({ opened: false, status: 404 });
    await expectNoConnectionAccepted(server);
  });

  it.each([
    ['with a space', 'my phone'],
    ['too long', 'd'.repeat(65)],
    ['accented', 'téléphone'],
    ['with a slash', 'a/b'],
  ])('refuses a deviceId %s with HTTP 400', async (_name, deviceId) => {
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);

    const outcome = await handshake(wsUrl(server, { token: alice.token, deviceId }));
    const error = await ImClient.connect({ url: server.httpUrl, token: alice.token, deviceId }).catch((e: unknown) => e);

    expect(outcome).toMatchObject({ opened: false, status: 400, body: { code: ErrorCode.BAD_FRAME } });
    expect(error).toMatchObject({ code: ErrorCode.BAD_FRAME, status: 400 });
    await expectNoConnectionAccepted(server);
  });

  it('uses deviceId `default` when none is given', async () => {
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);
    const explicit = h.track(await ImClient.connect({ url: server.httpUrl, token: alice.token, deviceId: 'default' }));

    // a connection without deviceId is the same device, so it replaces the explicit one
    const outcome = await handshake(wsUrl(server, { token: alice.token }));

    expect(outcome).toEqual({ opened: true });
    expect((await explicit.waitForClose()).code).toBe(4001);
  });

  it('accepts a valid deviceId and platform, and the connection answers', async () => {
    const server = await h.startServer();
    const [alice] = await registerUsers(server, ['alice']);

    const client = h.track(await ImClient.connect({ url: server.httpUrl, token: alice.token, deviceId: 'phone-1.a_b', platform: 'ios' }));

    expect((await client.ping()).header.cmd).toBe(CmdType.PONG);
  });
});
