import { describe, expect, it } from 'vitest';
import { isFrame, match } from '../../src/client/match.js';
import { CmdType, ConvType } from '../../src/protocol/codes.js';
import type { Content } from '../../src/protocol/frames.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { text } from '../helpers/messages.js';
import { befriend, useHarness, type ConnectedUser } from '../helpers/server.js';
import { connectAll, route, SINGLE } from './bad-input.js';

/**
 * Untrusted input over the WebSocket that is hostile but valid (SQL-looking text, keys such as
 * `__proto__`, forged route.from and stamps) is stored and returned verbatim, and cannot pass for
 * another user. (Malformed frames, which are refused: bad-frames.test.ts.)
 */

const SQL = "x'; DROP TABLE messages; --";

describe('hostile but valid input', () => {
  const h = useHarness();

  async function setup() {
    const { server, users } = await h.setup(['alice', 'bob'], { friends: true });
    return { server, ...users };
  }

  it('stores SQL-looking text and clientMsgId verbatim and returns them so from PUSH, SYNC and HISTORY', async () => {
    const { alice, bob } = await setup();

    const ack = await alice.client.send({ ...text('bob', SQL), control: { clientMsgId: SQL } });

    const push = await bob.client.waitFor(match.push({ text: SQL }));
    expect(push.control.clientMsgId).toBe(SQL);
    const [synced] = (await bob.client.sync(0)).content.messages;
    expect(synced).toMatchObject({ content: { text: SQL }, control: { clientMsgId: SQL }, stamp: { msgId: ack.stamp.msgId } });
    const history = await alice.client.history({ convId: SINGLE });
    expect(history.content.messages).toHaveLength(1);
    expect(history.content.messages[0]).toMatchObject({ content: { text: SQL }, control: { clientMsgId: SQL } });
    // the table is still there and the clientMsgId still deduplicates
    const retry = await alice.client.send({ ...text('bob', 'different text'), control: { clientMsgId: SQL } });
    expect(retry.stamp).toEqual(ack.stamp);
    const next = await alice.client.send(text('bob', 'after'));
    expect(next.stamp).toMatchObject({ seq: 2, pts: 2 });
  });

  /** Sends a CUSTOM message whose content is the given JSON text, exactly as written. */
  async function sendRawContent(alice: ConnectedUser, contentJson: string): Promise<Content> {
    const head = '{"header":{"version":1,"cmd":10,"reqId":"raw"},"route":{"convType":1,"msgType":7,"to":"bob"},"content":';
    await alice.client.raw(`${head}${contentJson}}`);
    return (JSON.parse(contentJson) as Content);
  }

  it('stores content keys that look like SQL verbatim, nested values included', async () => {
    const { alice, bob } = await setup();

    const sent = await sendRawContent(alice, `{"data":{"${SQL}":"${SQL}","nested":[null,true,1.5,"\\u0000",{"a":[]}]},"constructor":"c"}`);
    const push = await bob.client.waitFor(match.push({ from: 'alice' }));

    expect(push.content).toEqual(sent);
    const [stored] = (await alice.client.history({ convId: SINGLE })).content.messages;
    expect(stored?.content).toEqual(sent);
  });

  it('keeps a content key named "__proto__" as data: stored and returned verbatim, and nothing is polluted', async () => {
    const { alice, bob } = await setup();

    const sent = await sendRawContent(alice, '{"data":1,"__proto__":{"polluted":true}}');
    const push = await bob.client.waitFor(match.push({ from: 'alice' }));

    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(push.content)).toEqual(['data', '__proto__']);
    expect(push.content).toEqual(sent);
    const [stored] = (await alice.client.history({ convId: SINGLE })).content.messages;
    expect(stored?.content).toEqual(sent);
  });

  it('stores a SQL-looking group name verbatim', async () => {
    const { alice } = await setup();

    await alice.http.groupCreate({ groupId: 'g1', type: ConvType.GROUP, name: SQL });

    expect(await alice.http.groupInfo('g1')).toMatchObject({ name: SQL });
    expect((await alice.http.conversationList()).conversations).toEqual([expect.objectContaining({ convId: 'group:g1', name: SQL })]);
  });

  it.each(['mallory', 'bob'])('overwrites a forged route.from %j with the authenticated sender in PUSH and HISTORY', async (forged) => {
    const { alice, bob } = await setup();

    const ack = await alice.client.request(CmdType.SEND, { text: `from ${forged}?` }, { route: route({ from: forged }) });
    if (!isFrame(ack, CmdType.SEND_ACK)) expect.fail(`expected SEND_ACK, got cmd ${ack.header.cmd}`);

    const push = await bob.client.waitFor(match.push({ text: `from ${forged}?` }));
    expect(push.route.from).toBe('alice');
    const history = await bob.client.history({ convId: SINGLE });
    expect(history.content.messages.map((m) => [m.route.from, m.stamp.msgId])).toEqual([['alice', ack.stamp.msgId]]);
    expect((await bob.client.sync(0)).content.messages.map((m) => m.route.from)).toEqual(['alice']);
  });

  it('ignores a stamp written by the client', async () => {
    const { alice, bob } = await setup();
    const forgedStamp = { msgId: '1', convId: 'single:bob:mallory', seq: 999, pts: 999, sendTime: 0 };

    await alice.client.request(CmdType.SEND, { text: 'stamped' }, { route: route(), stamp: forgedStamp });

    const push = await bob.client.waitFor(match.push({ text: 'stamped' }));
    expect(push.stamp).toMatchObject({ convId: SINGLE, seq: 1, pts: 1 });
    expect(push.stamp.msgId).not.toBe('1');
    expect(push.stamp.sendTime).toBeGreaterThan(0);
  });

  it('handles userIds that are JavaScript property names like any other', async () => {
    const server = await h.startServer();
    const [proto, ctor] = await connectAll(server, h, ['__proto__', 'constructor']);
    await befriend(proto, ctor);

    const ack = await proto.client.send(text('constructor', 'hi'));
    const push = await ctor.client.waitFor(match.push({ text: 'hi' }));

    expect(ack.stamp).toMatchObject({ convId: pairConvId(ConvType.SINGLE, '__proto__', 'constructor'), seq: 1, pts: 1 });
    expect(push.stamp).toMatchObject({ seq: 1, pts: 1 });
    expect((await proto.client.sync(0)).content.messages).toHaveLength(1);
  });
});
