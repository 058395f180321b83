import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { CmdType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import { DEFAULT_MAX_DEPTH } from '../../src/protocol/limits.js';
import { connectAt, registerUsersAt, useSpawnHarness } from '../helpers/spawn-server.js';
import { text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';
import { route } from './bad-input.js';

/**
 * The prober's crash: one frame whose content nests thousands of levels deep, padded past 16 KiB
 * so the content-size check serialises it, made JSON.stringify throw inside the socket's message
 * handler and stopped the whole process. Now depth is bounded in `decode` (1000), and a guard
 * around every frame answers 5000 for whatever else could throw.
 */

/** `{"a":{"a":…{}…}}` nested `depth` deep, plus padding so the frame is over 16 KiB. */
function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}{"pad":"${'x'.repeat(17_000)}"}${'}'.repeat(depth)}`;
}

const frames = (nested: string) => ({
  PING: `{"header":{"cmd":${CmdType.PING},"reqId":"p"},"content":${nested}}`,
  SYNC: `{"header":{"cmd":${CmdType.SYNC},"reqId":"s"},"content":{"sincePts":0,"x":${nested}}}`,
  SEND: `{"header":{"cmd":${CmdType.SEND},"reqId":"m"},"route":${JSON.stringify(route({ msgType: MsgType.CUSTOM }))},"content":{"data":${nested}}}`,
  'SEND (options)': `{"header":{"cmd":${CmdType.SEND},"reqId":"o"},"route":${JSON.stringify(route())},"content":{"text":"hi"},"options":${nested}}`,
});

describe('deeply nested frames', () => {
  const spawned = useSpawnHarness();
  const h = useHarness();

  it('are refused with 1000 through PING, SYNC and SEND, and the server keeps serving every user', async () => {
    // Given a real `im serve` process and two connected users
    const server = await spawned.spawn({ db: await spawned.tempDb() });
    const [alice, bob] = await registerUsersAt(server, ['alice', 'bob']);
    await alice!.http.friendAdd('bob');
    await bob!.http.friendAdd('alice');
    const aliceWs = spawned.track(await connectAt(server, alice!));
    const bobWs = spawned.track(await connectAt(server, bob!));

    for (const [name, text] of Object.entries(frames(deep(6000)))) {
      // When alice sends a 6,000-deep frame
      await aliceWs.raw(text);
      // Then she gets BAD_FRAME for it, with her reqId
      const error = await aliceWs.waitFor(match.error());
      expect(error.content.code, name).toBe(ErrorCode.BAD_FRAME);
      expect(error.header.reqId, name).toBe(/"reqId":"(\w)"/.exec(text)?.[1]);
    }
    // And the process is alive: bob is still served, nothing was stored or pushed
    expect((await bobWs.ping()).header.cmd).toBe(CmdType.PONG);
    expect((await bobWs.sync(0)).content.messages).toEqual([]);
    expect(bobWs.inbox.filter(match.push())).toEqual([]);
    const ack = await aliceWs.send(text('bob', 'still here'));
    expect(ack.stamp.seq).toBe(1);
  });

  it('stored over HTTP (/system/send) are refused with 400/1000, not 500', async () => {
    const server = await h.startServer();
    await server.http.register('bob', 'pw-bob');

    const body = `{"to":"bob","msgType":${MsgType.SYSTEM},"content":{"text":"t","data":${deep(6000)}}}`;
    const res = await fetch(`${server.httpUrl}/openapi/v1/system/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` },
      body,
    });

    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(ErrorCode.BAD_FRAME);
  });

  it('up to the depth limit are still accepted, one level more is refused', async () => {
    const { users } = await h.setup(['alice', 'bob'], { friends: true });
    // frame (1) → content (2) → data (3) → … : the frame limit leaves DEFAULT_MAX_DEPTH - 2 levels inside data
    const nest = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const send = (levels: number) =>
      `{"header":{"cmd":10,"reqId":"d${levels}"},"route":${JSON.stringify(route({ msgType: MsgType.CUSTOM }))},"content":{"data":${nest(levels)}}}`;

    await users.alice.client.raw(send(DEFAULT_MAX_DEPTH - 2));
    const ack = await users.alice.client.waitFor(match.cmd(CmdType.SEND_ACK));
    expect(ack.stamp.seq).toBe(1);
    await users.alice.client.raw(send(DEFAULT_MAX_DEPTH - 1));
    expect((await users.alice.client.waitFor(match.error())).content.code).toBe(ErrorCode.BAD_FRAME);
  });
});

describe('the per-frame guard', () => {
  const h = useHarness();

  it('answers 5000 for a frame that makes the server throw, and keeps serving', async () => {
    // Given a server whose depth limit is set past what the stack can take, so decoding a deep
    // frame throws a RangeError inside the socket handler
    const { users } = await h.setup(['alice', 'bob'], { friends: true, maxDepth: 1_000_000 });

    await users.alice.client.raw(frames(deep(20_000)).PING);

    expect((await users.alice.client.waitFor(match.error())).content.code).toBe(ErrorCode.INTERNAL);
    expect((await users.alice.client.ping()).header.cmd).toBe(CmdType.PONG);
    expect((await users.bob.client.ping()).header.cmd).toBe(CmdType.PONG);
  });
});
