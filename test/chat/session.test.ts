import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type EmbeddedChatServer } from '../../src/chat/embedded-server.js';
import { timelineView } from '../../src/chat/model/chat-selectors.js';
import type { ChatMessage } from '../../src/chat/model/chat-types.js';
import { ChatSession, type ChatSessionOptions } from '../../src/chat/session/chat-session.js';
import type { SessionView, WireEvent } from '../../src/chat/session/session-types.js';
import { ImClient } from '../../src/client/index.js';
import { CmdType, ConvType, MsgType } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { createServer, type ImServer } from '../../src/server/create-server.js';

const AB = pairConvId(ConvType.SINGLE, 'alice', 'bob');
const open: { close(): Promise<void> }[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function world(users = ['alice', 'bob', 'carol']): Promise<EmbeddedChatServer> {
  const e = await startEmbeddedServer(users, 'pw');
  open.push(e.server);
  return e;
}

async function session(server: string, userId: string, extra: Partial<ChatSessionOptions> = {}): Promise<ChatSession> {
  const s = await ChatSession.start({ server, userId, password: 'pw', ...extra });
  open.push(s);
  return s;
}

/** Resolves when the view satisfies `predicate`; fails with the last view after `ms`. */
function until(s: ChatSession, predicate: (v: SessionView) => boolean, label: string, ms = 5000): Promise<SessionView> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate(s.view)) return false;
      off();
      clearTimeout(timer);
      resolve(s.view);
      return true;
    };
    const off = s.subscribe(() => void check());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${label}; notice: ${s.view.notice?.text ?? '-'}, connection: ${s.view.state.connection.kind}`));
    }, ms);
    check();
  });
}

const stored = (s: ChatSession, convId: string): ChatMessage[] => timelineView(s.view.state, convId).filter((m) => m.status === 'stored');
const hasText = (convId: string, text: string) => (v: SessionView) => timelineView(v.state, convId).some((m) => m.status === 'stored' && m.content.text === text);

describe('ChatSession against a real server', () => {
  it('/dm then a line: bob sees the same msgId and seq, with his own pts', async () => {
    const { server } = await world();
    const alice = await session(server.httpUrl, 'alice');
    const bob = await session(server.httpUrl, 'bob');
    // alice's pts moves ahead of bob's, so "his own pts" is visible in the assertion
    alice.submit('/dm carol');
    alice.submit('warm-up');
    await until(alice, hasText(pairConvId(ConvType.SINGLE, 'alice', 'carol'), 'warm-up'), 'the warm-up ack');

    alice.submit('/dm bob');
    alice.submit('hello bob 你好 👋');
    await until(alice, (v) => v.state.selected === AB, 'the chat with bob to open');
    const aliceView = await until(alice, hasText(AB, 'hello bob 你好 👋'), "alice's ack");
    const bobView = await until(bob, hasText(AB, 'hello bob 你好 👋'), "bob's push");

    const sent = timelineView(aliceView.state, AB).at(-1);
    const got = timelineView(bobView.state, AB).at(-1);
    expect(got?.msgId).toBe(sent?.msgId);
    expect(got?.seq).toBe(sent?.seq);
    expect(sent?.pts).toBe(2);
    expect(got?.pts).toBe(1);
    // a conversation that arrives in a pane with nothing selected is listed (the UI opens it)
    expect(bobView.state.conversations[AB]?.unread).toBe(1);
  });

  it('reads what arrives in the selected conversation: unread stays 0 and the sender learns the read seq', async () => {
    const { server } = await world(['alice', 'bob']);
    const alice = await session(server.httpUrl, 'alice');
    const bob = await session(server.httpUrl, 'bob');
    bob.submit('/dm alice');
    alice.submit('/dm bob');
    for (const text of ['one', 'two', 'three']) alice.submit(text);
    await until(bob, hasText(AB, 'three'), 'three at bob');
    await until(bob, (v) => v.state.conversations[AB]?.unread === 0, "bob's unread back to 0");
    await until(alice, (v) => v.state.conversations[AB]?.peerReadSeq === 3, 'READ_NOTIFY with readSeq 3 at alice');
  });

  it('shows a refusal inline with its code name and marks the message failed', async () => {
    const { server } = await world(['alice', 'bob']);
    const http = await import('../../src/client/index.js');
    const alice = await session(server.httpUrl, 'alice');
    const bob = new http.ImHttp(server.httpUrl);
    const { token } = await bob.login('bob', 'pw');
    await bob.withToken(token).block('alice');
    alice.submit('/dm bob');
    alice.submit('are you there?');
    const v = await until(alice, (view) => view.notice?.level === 'error', 'the error notice');
    expect(v.notice?.text).toMatch(/^BLOCKED \(3002\)/);
    await until(alice, (view) => timelineView(view.state, AB).some((m) => m.status === 'failed' && m.error?.code === 3002), 'the failed message');
  });

  it('/dm for a user who does not exist says so at once and opens nothing; the line typed after it is not sent elsewhere', async () => {
    const { server } = await world(['alice', 'bob']);
    const wire: WireEvent[] = [];
    const alice = await session(server.httpUrl, 'alice', { onWire: (e) => wire.push(e) });
    alice.submit('/dm bob');
    await until(alice, (v) => v.state.selected === AB, 'the chat with bob');
    alice.submit('/dm carol');
    alice.submit('meant for carol');
    const v = await until(alice, (view) => view.notice !== null, 'the notice');
    expect(v.notice).toMatchObject({ level: 'error', text: expect.stringMatching(/^USER_NOT_FOUND \(3009\): .*carol.*; the line typed after it did not run$/) });
    expect(Object.keys(v.state.conversations)).toEqual([AB]);
    expect(v.state.selected).toBe(AB);
    expect(timelineView(v.state, AB)).toEqual([]);
    expect(wire.filter((e) => e.direction === 'out' && e.frame.header.cmd === CmdType.SEND)).toEqual([]);
    // a friend who exists still opens, and the next line goes there
    alice.submit('/stranger bob');
    alice.submit('hi stranger');
    await until(alice, hasText(pairConvId(ConvType.STRANGER_CHAT, 'alice', 'bob'), 'hi stranger'), 'the stranger chat');
  });

  it('answers bad commands with one line naming the fix, and never sends them', async () => {
    const { server } = await world(['alice', 'bob']);
    const wire: WireEvent[] = [];
    const alice = await session(server.httpUrl, 'alice', { onWire: (e) => wire.push(e) });
    alice.submit('/dmm bob');
    expect(alice.view.notice?.text).toMatch(/unknown command \/dmm \(did you mean \/dm\?\)/);
    alice.submit('text with nothing selected');
    await until(alice, (v) => v.notice?.text.startsWith('no conversation selected') === true, 'the no-conversation notice');
    alice.submit('/group create');
    expect(alice.view.notice?.text).toBe('usage: /group create NAME [a,b,…]');
    expect(wire.filter((e) => e.direction === 'out' && e.frame.header.cmd === CmdType.SEND)).toEqual([]);
  });

  it('/group create, a line, and the member sees the group appear by name', async () => {
    const { server } = await world();
    const alice = await session(server.httpUrl, 'alice');
    const bob = await session(server.httpUrl, 'bob');
    alice.submit('/group create team bob,carol');
    await until(alice, (v) => v.state.selected === 'group:team', 'the group to open');
    alice.submit('hi team');
    await until(bob, hasText('group:team', 'hi team'), "bob's push");
    await until(bob, (v) => v.state.conversations['group:team']?.name === 'team', 'the group name from the list');
    bob.select('group:team');
    await until(bob, (v) => v.state.conversations['group:team']?.unread === 0, 'the read marker');
    bob.submit('/members');
    const v = await until(bob, (view) => view.overlay !== null, 'the members overlay');
    expect(v.overlay?.lines.join('\n')).toMatch(/alice {2}\(owner\)[\s\S]*bob[\s\S]*carol/);
  });

  it('/room create and /join: a chatroom message arrives with a seq and no pts (read diffusion)', async () => {
    const { server } = await world();
    const bob = await session(server.httpUrl, 'bob');
    const carol = await session(server.httpUrl, 'carol');
    bob.submit('/room create lobby');
    await until(bob, (v) => v.state.selected === 'chatroom:lobby', 'the room to open');
    carol.submit('/join lobby');
    await until(carol, (v) => v.notice?.text === 'joined lobby (2 members)', 'the join notice');
    expect(carol.view.state.selected).toBe('chatroom:lobby');
    bob.submit('welcome');
    const v = await until(carol, hasText('chatroom:lobby', 'welcome'), 'the room message at carol');
    const got = timelineView(v.state, 'chatroom:lobby').at(-1);
    expect(got?.seq).toBe(1);
    expect(got?.pts).toBeUndefined();
  });

  it('resumes from the saved pts: a restart SYNCs only what it missed', async () => {
    const { server } = await world(['alice', 'bob']);
    const dir = mkdtempSync(join(tmpdir(), 'im-chat-state-'));
    dirs.push(dir);
    const bob = await ImClient.login(server.httpUrl, 'bob', 'pw');
    open.push({ close: async () => void (await bob.close()) });
    const say = (text: string) => bob.send({ convType: ConvType.SINGLE, msgType: MsgType.TEXT, to: 'alice', content: { text } });

    const first = await session(server.httpUrl, 'alice', { stateDir: dir });
    await say('one');
    await say('two');
    await until(first, hasText(AB, 'two'), 'two');
    await first.close();
    const saved = JSON.parse(readFileSync(join(dir, 'chat-state.json'), 'utf8')) as { cursors: Record<string, { lastPts: number }> };
    expect(Object.values(saved.cursors)).toEqual([{ lastPts: 2 }]);

    await say('three');
    const wire: WireEvent[] = [];
    const second = await session(server.httpUrl, 'alice', { stateDir: dir, onWire: (e) => wire.push(e) });
    await until(second, hasText(AB, 'three'), 'three by SYNC');
    const syncs = wire.filter((e) => e.direction === 'out' && e.frame.header.cmd === CmdType.SYNC);
    expect((syncs[0]?.frame as unknown as { content: { sincePts: number } }).content.sincePts).toBe(2);
    const synced = wire.find((e) => e.direction === 'in' && e.frame.header.cmd === CmdType.SYNC_RESP);
    expect((synced?.frame as unknown as { content: { messages: unknown[] } }).content.messages).toHaveLength(1);
    // the status line says what the catch-up filled
    await until(second, (v) => v.state.gapFilled !== null, 'the gap-filled notice');
    expect(second.view.state.gapFilled).toEqual({ from: 3, to: 3, messages: 1 });
  });

  it('start-up: lines HISTORY loads before the SYNC_RESP arrives still show the pts SYNC sent, as /raw does', async () => {
    const { server } = await world(['alice', 'bob']);
    const bob = await ImClient.login(server.httpUrl, 'bob', 'pw');
    open.push({ close: async () => void (await bob.close()) });
    for (const text of ['one', 'two']) await bob.send({ convType: ConvType.SINGLE, msgType: MsgType.TEXT, to: 'alice', content: { text } });

    const wire: WireEvent[] = [];
    const alice = await session(server.httpUrl, 'alice', { onWire: (e) => wire.push(e) });
    // What the pane does when the list shows the conversation: select it, which sends HISTORY
    // for its empty timeline while the start-up SYNC is still to go.
    const off = alice.subscribe(() => {
      if (alice.view.state.conversations[AB] === undefined || alice.view.state.selected !== null) return;
      alice.select(AB);
    });
    await until(alice, (v) => stored(alice, AB).length === 2 && v.state.pts === 2, 'both messages and pts 2');
    off();
    const sentCmds = wire.filter((e) => e.direction === 'out').map((e) => e.frame.header.cmd);
    expect(sentCmds.indexOf(CmdType.HISTORY)).toBeLessThan(sentCmds.indexOf(CmdType.SYNC));
    await until(alice, () => wire.some((e) => e.direction === 'in' && e.frame.header.cmd === CmdType.HISTORY_RESP), 'the HISTORY_RESP');
    expect(stored(alice, AB).map((m) => [m.content.text, m.pts])).toEqual([
      ['one', 1],
      ['two', 2],
    ]);
    alice.submit('/raw');
    const raw = await until(alice, (v) => v.overlay !== null, 'the /raw overlay');
    expect(raw.overlay?.lines.join('\n')).toMatch(/"pts": 2/);
  });

  it('reconnects with backoff after the server restarts, then sends what was typed while offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-chat-reconnect-'));
    dirs.push(dir);
    const db = join(dir, 'im.db');
    let server: ImServer = await createServer({ port: 0, host: '127.0.0.1', db, logLevel: 'silent', scryptCost: 1024 });
    const port = server.port;
    const { ImHttp } = await import('../../src/client/index.js');
    const http = new ImHttp(server.httpUrl);
    for (const u of ['alice', 'bob']) await http.register(u, 'pw');
    const tokenOf = async (u: string) => http.withToken((await http.login(u, 'pw')).token);
    await (await tokenOf('alice')).friendAdd('bob');
    await (await tokenOf('bob')).friendAdd('alice');

    const alice = await session(server.httpUrl, 'alice', { backoff: { initialMs: 50, maxMs: 200, jitter: 0 } });
    const bob = await session(server.httpUrl, 'bob', { backoff: { initialMs: 50, maxMs: 200, jitter: 0 } });
    alice.submit('/dm bob');
    alice.submit('before');
    await until(bob, hasText(AB, 'before'), 'before');

    await server.close();
    await until(alice, (v) => v.state.connection.kind === 'reconnecting', 'reconnecting');
    alice.submit('typed while offline');
    expect(timelineView(alice.view.state, AB).at(-1)?.status).toBe('pending');
    server = await createServer({ port, host: '127.0.0.1', db, logLevel: 'silent', scryptCost: 1024 });
    open.push(server);

    await until(alice, (v) => v.state.connection.kind === 'online', 'online again');
    await until(bob, hasText(AB, 'typed while offline'), 'the resent message');
    await until(alice, hasText(AB, 'typed while offline'), "alice's ack after the reconnect");
    expect(stored(bob, AB).map((m) => [m.content.text, m.seq, m.pts])).toEqual([
      ['before', 1, 1],
      ['typed while offline', 2, 2],
    ]);
  });

  it('a second connection of the same user@device KICKs this one, which stays down and says why', async () => {
    const { server } = await world(['alice', 'bob']);
    const first = await session(server.httpUrl, 'alice', { backoff: { initialMs: 10, jitter: 0 } });
    await session(server.httpUrl, 'alice');
    const v = await until(first, (view) => view.state.connection.kind === 'kicked' && view.notice !== null, 'the kick');
    expect(v.state.connection).toMatchObject({ kind: 'kicked', reason: expect.any(String) });
    expect(v.notice?.text).toMatch(/^kicked: .* — press Ctrl-R \(or \/reconnect\) to reconnect$/);
  });

  it('/reconnect after a KICK connects this pane again, which kicks the other connection, and sending works', async () => {
    const { server } = await world(['alice', 'bob']);
    const first = await session(server.httpUrl, 'alice', { backoff: { initialMs: 10, jitter: 0 } });
    const second = await session(server.httpUrl, 'alice', { backoff: { initialMs: 10, jitter: 0 } });
    const bob = await session(server.httpUrl, 'bob');
    await until(first, (v) => v.state.connection.kind === 'kicked', 'the first kick');
    first.submit('/dm bob');
    first.submit('typed while kicked');
    await until(first, (v) => timelineView(v.state, AB).at(-1)?.status === 'pending', 'the line waiting as sending');

    first.submit('/reconnect');
    await until(first, (v) => v.state.connection.kind === 'online' && v.notice?.text.startsWith('reconnected as alice@default') === true, 'online again');
    await until(second, (v) => v.state.connection.kind === 'kicked', 'the other connection kicked in turn');
    await until(bob, hasText(AB, 'typed while kicked'), 'the line typed while kicked, sent after the reconnect');
    first.submit('after the reconnect');
    await until(bob, hasText(AB, 'after the reconnect'), 'a line sent after the reconnect');
    // the kicked one stays down by itself: no ping-pong of kicks
    expect(first.view.state.connection.kind).toBe('online');
    first.submit('/reconnect');
    expect(first.view.notice?.text).toBe('already online');
  });
});
