import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ImClientError, ImRequestError } from '../../src/client/errors.js';
import { CloseCode, CmdType, ConvType, ErrorCode } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { text } from '../helpers/messages.js';
import { registerUsers, useHarness } from '../helpers/server.js';

const h = useHarness();

/**
 * Keeps a connection busy with `beat` until `until` settles. The interval paces the beats so
 * they stay well inside the idle timeout; it synchronises nothing — the test waits for events.
 */
async function keepAlive(beat: () => Promise<unknown>, until: Promise<unknown>, everyMs: number): Promise<number> {
  let done = false;
  void until.finally(() => (done = true));
  let beats = 0;
  while (!done) {
    await beat();
    beats += 1;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return beats;
}

describe('idle timeout', () => {
  // Each test closes a silent connection opened AFTER the one kept alive: without its beats, the
  // kept-alive one would have been closed by the same sweep or an earlier one.
  it('closes a silent connection with 4000 while one that PINGs stays open', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { idleTimeoutMs: 300 });
    const silent = await h.connect(server, alice, 'silent');
    const closed = silent.waitForClose();

    await keepAlive(() => bob.client.ping(), closed, 50);

    expect((await closed).code).toBe(CloseCode.IDLE);
    expect((await alice.client.waitForClose()).code).toBe(CloseCode.IDLE);
    expect(bob.client.isOpen).toBe(true);
    expect((await bob.client.ping()).header.cmd).toBe(CmdType.PONG);
  });

  it('counts WebSocket-level pings as activity', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { idleTimeoutMs: 300 });
    await alice.client.close();
    const raw = new WebSocket(`${server.wsUrl}?token=${encodeURIComponent(alice.token)}&deviceId=raw`);
    const rawClosed = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    await new Promise((resolve, reject) => {
      raw.once('open', resolve);
      raw.once('error', reject);
    });
    const silent = await h.connect(server, bob, 'silent');
    const closed = silent.waitForClose();

    await keepAlive(async () => raw.ping(), closed, 50);

    expect((await closed).code).toBe(CloseCode.IDLE);
    expect(raw.readyState).toBe(WebSocket.OPEN);
    raw.close();
    await rawClosed;
  });

  it('closes a connection that only receives pushes: only what the client sends counts', async () => {
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { idleTimeoutMs: 300, friends: true });
    const listener = bob.client.waitForClose();

    // alice talks (and so stays alive); bob only listens
    await keepAlive(() => alice.client.send(text('bob', 'are you there?')), listener, 50);

    expect((await listener).code).toBe(CloseCode.IDLE);
    expect(alice.client.isOpen).toBe(true);
  });
});

describe('token expiry while connected', () => {
  it('closes the connection with 4003 when its token expires', async () => {
    // A frozen clock: the token is fresh at the handshake and expires 500 ms of real time later.
    const t = Date.now();
    const server = await h.startServer({ now: () => t, tokenTtlMs: 500 });
    const [alice] = await registerUsers(server, ['alice']);
    const client = await h.connect(server, alice);
    expect((await client.ping()).header.cmd).toBe(CmdType.PONG);

    const closed = await client.waitForClose();

    expect(closed.code).toBe(CloseCode.TOKEN_EXPIRED);
    expect(client.isOpen).toBe(false);
  });

  it('is not postponed by activity: a connection that PINGs is closed with 4003 all the same', async () => {
    const t = Date.now();
    const server = await h.startServer({ now: () => t, tokenTtlMs: 500 });
    const [alice] = await registerUsers(server, ['alice']);
    const client = await h.connect(server, alice);
    const closed = client.waitForClose();

    await keepAlive(() => client.ping().catch(() => undefined), closed, 50);

    expect((await closed).code).toBe(CloseCode.TOKEN_EXPIRED);
  });
});

describe('graceful shutdown', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await h.cleanup(); // the servers let go of their files first
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dbFile = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'im-shutdown-'));
    dirs.push(dir);
    return join(dir, 'im.db');
  };

  it('closes every connection with 1001', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob']);
    const closes = [alice.client.waitForClose(), bob.client.waitForClose()];

    await server.close();

    expect((await Promise.all(closes)).map((c) => c.code)).toEqual([CloseCode.GOING_AWAY, CloseCode.GOING_AWAY]);
  });

  it('answers a SEND the server has already read before closing, and the message survives a restart', async () => {
    const db = dbFile();
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true, db });
    // Given a SEND the server has read: frames are read in order, so the PONG after it proves it
    const sent = alice.client.send(text('bob', 'in flight'));
    await alice.client.ping();
    const closed = alice.client.waitForClose();

    // When
    await server.close();

    // Then it was acked before the close, and stored
    const ack = await sent;
    expect(ack.stamp).toMatchObject({ convId: pairConvId(ConvType.SINGLE, 'alice', 'bob'), seq: 1, pts: 1 });
    expect((await closed).code).toBe(CloseCode.GOING_AWAY);
    const again = await h.startServer({ db });
    const { messages } = await (await h.connect(again, bob)).syncAll(0);
    expect(messages.map((m) => m.content.text)).toEqual(['in flight']);
  });

  /** A SEND (with a clientMsgId) written to the socket in the same tick as server.close() is called. */
  async function sendJustBeforeClose(db: string) {
    const { server, users } = await h.setup(['alice', 'bob'], { friends: true, db });
    const outcome = users.alice.client.send(text('bob', 'last words', { clientMsgId: 'last-1' })).then(
      (ack) => ({ ack }),
      (error: unknown) => ({ error }),
    );
    const [result, closed] = await Promise.all([outcome, users.alice.client.waitForClose(), server.close()]);
    return { result, closed, ...users };
  }

  it('answers a SEND issued just before close with SEND_ACK or an ERROR frame, never with the close alone', async () => {
    const { result, closed } = await sendJustBeforeClose(dbFile());

    expect(closed.code).toBe(CloseCode.GOING_AWAY);
    if ('error' in result) {
      // ImClientError('closed') means the socket closed with the SEND unanswered
      expect(result.error, 'the SEND got neither SEND_ACK nor ERROR before the close').not.toBeInstanceOf(ImClientError);
      expect(result.error).toBeInstanceOf(ImRequestError);
    }
  });

  it('never loses a SEND issued just before close: an ack means stored, and a retry with its clientMsgId stores it exactly once', async () => {
    const db = dbFile();
    const { result, alice, bob } = await sendJustBeforeClose(db);

    // When the client, reconnected to a restarted server, retries with the same clientMsgId
    const again = await h.startServer({ db });
    const [aliceAgain, bobAgain] = [await h.connect(again, alice), await h.connect(again, bob)];
    const texts = async () => (await bobAgain.syncAll(0)).messages.map((m) => m.content.text);
    if ('ack' in result) expect(await texts()).toEqual(['last words']);
    if ('error' in result && (result.error as ImRequestError).code === ErrorCode.UNAVAILABLE) expect(await texts()).toEqual([]);
    const retry = await aliceAgain.send(text('bob', 'last words', { clientMsgId: 'last-1' }));

    // Then there is exactly one copy, with the first stamp if there was one
    if ('ack' in result) expect(retry.stamp).toEqual(result.ack.stamp);
    expect(await texts()).toEqual(['last words']);
    expect(retry.stamp.seq).toBe(1);
  });
});
