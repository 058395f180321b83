import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import type { FrameExtra } from '../../src/client/types.js';
import { CloseCode, CmdType, ConvType, ErrorCode, MsgType, PROTOCOL_VERSION } from '../../src/protocol/codes.js';
import type { Content } from '../../src/protocol/frames.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { groupText, text } from '../helpers/messages.js';
import { befriend, createHarness, useHarness, type ConnectedUser } from '../helpers/server.js';
import { connectAll, route, SINGLE } from './bad-input.js';

/**
 * Untrusted input over the WebSocket: every malformed frame gets its ERROR code, the connection
 * stays up, and nothing stored changes; a frame over the hard size limit closes its connection
 * only. (Hostile but valid input, which is stored and returned verbatim: hostile-input.test.ts.)
 */

const LIMITS = { maxContentBytes: 1024, maxFrameBytes: 4096 } as const;
const GROUP = groupConvId(ConvType.GROUP, 'team');

const frame = (header: Record<string, unknown>, rest: Record<string, unknown> = {}) =>
  JSON.stringify({ header: { version: PROTOCOL_VERSION, ...header }, content: {}, ...rest });

// ---- frames the server must refuse, on one shared connection -------------------------------

describe('malformed frames', () => {
  const shared = createHarness();
  let alice: ConnectedUser;
  let bob: ConnectedUser;
  let baseline: Snapshot;

  beforeAll(async () => {
    const server = await shared.startServer(LIMITS);
    [alice, bob] = await connectAll(server, shared, ['alice', 'bob']);
    await befriend(alice, bob);
    await alice.http.groupCreate({ groupId: 'team', type: ConvType.GROUP, name: 'Team', members: ['bob'] });
    await alice.client.send(text('bob', 'before'));
    await alice.client.send(groupText('team', 'group before'));
    await bob.client.waitFor(match.push({ text: 'group before' }));
    bob.client.take(match.push());
    baseline = await snapshot(alice, bob);
  });
  afterAll(() => shared.cleanup());

  /** The connection still answers, and nothing any user can read has changed. */
  async function expectNothingChanged(): Promise<void> {
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
    expect(await snapshot(alice, bob)).toEqual(baseline);
    expect(bob.client.inbox).toEqual([]);
    expect(alice.client.inbox).toEqual([]);
  }

  /** Sends `data` as it is and returns the ERROR it is answered with. */
  async function refusalOfRaw(data: string | Buffer, binary = false) {
    await alice.client.raw(data, { binary });
    return alice.client.waitFor(match.error());
  }

  describe('not a JSON object → BAD_FRAME (1000)', () => {
    it.each([
      ['malformed JSON', '{not json'],
      ['an empty text frame', ''],
      ['a truncated frame', '{"header":{"version":1,"cmd":1'],
      ['an array', '[]'],
      ['an array holding a frame', `[${frame({ cmd: CmdType.PING })}]`],
      ['a number', '42'],
      ['a string', '"hello"'],
      ['null', 'null'],
      ['true', 'true'],
    ])('%s', async (_name, data) => {
      const error = await refusalOfRaw(data);

      expect(error.content.code).toBe(ErrorCode.BAD_FRAME);
      await expectNothingChanged();
    });

    it('a binary frame, even one holding a valid PING', async () => {
      const error = await refusalOfRaw(Buffer.from(frame({ cmd: CmdType.PING, reqId: 'bin' })), true);

      expect(error.content.code).toBe(ErrorCode.BAD_FRAME);
      await expectNothingChanged();
    });
  });

  describe('no usable header → BAD_FRAME (1000)', () => {
    it.each([
      ['no header', '{"content":{}}'],
      ['an empty object', '{}'],
      ['header null', '{"header":null,"content":{}}'],
      ['header an array', '{"header":[1],"content":{}}'],
      ['header a string', '{"header":"PING","content":{}}'],
      ['no cmd', JSON.stringify({ header: { version: 1, reqId: 'h1' }, content: {} })],
      ['cmd a string', JSON.stringify({ header: { version: 1, cmd: '1', reqId: 'h2' }, content: {} })],
      ['cmd a float', JSON.stringify({ header: { version: 1, cmd: 1.5, reqId: 'h3' }, content: {} })],
      ['cmd null', JSON.stringify({ header: { version: 1, cmd: null, reqId: 'h4' }, content: {} })],
      ['version a string', JSON.stringify({ header: { version: '1', cmd: 1, reqId: 'h5' }, content: {} })],
      ['reqId a number', JSON.stringify({ header: { version: 1, cmd: 1, reqId: 5 }, content: {} })],
      ['reqId empty', JSON.stringify({ header: { version: 1, cmd: 1, reqId: '' }, content: {} })],
      ['ts a string', JSON.stringify({ header: { version: 1, cmd: 1, reqId: 'h6', ts: 'now' }, content: {} })],
      ['deviceId a number', JSON.stringify({ header: { version: 1, cmd: 1, reqId: 'h7', deviceId: 7 }, content: {} })],
    ])('%s', async (_name, data) => {
      const error = await refusalOfRaw(data);

      expect(error.content.code).toBe(ErrorCode.BAD_FRAME);
      await expectNothingChanged();
    });

    it('echoes a string reqId even when another header field is wrong', async () => {
      const error = await refusalOfRaw(JSON.stringify({ header: { version: 1, cmd: 'x', reqId: 'echo-me' }, content: {} }));

      expect(error.header.reqId).toBe('echo-me');
      expect(error.content.code).toBe(ErrorCode.BAD_FRAME);
      await expectNothingChanged();
    });
  });

  describe('a command clients may not send → UNKNOWN_CMD (1001)', () => {
    it.each([
      ['77', 77],
      ['11 SEND_ACK (server only)', CmdType.SEND_ACK],
      ['20 PUSH (server only)', CmdType.PUSH],
      ['2 PONG (server only)', CmdType.PONG],
      ['31 SYNC_RESP (server only)', CmdType.SYNC_RESP],
      ['90 KICK (server only)', CmdType.KICK],
      ['99 ERROR (server only)', CmdType.ERROR],
      ['0', 0],
      ['-1', -1],
    ])('cmd %s', async (_name, cmd) => {
      await expect(alice.client.request(cmd, {})).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_CMD });

      await expectNothingChanged();
    });

    it('a forged PUSH carrying a whole message, which is neither stored nor relayed', async () => {
      const push = { route: { convType: 1, msgType: 1, from: 'alice', to: 'bob' }, stamp: { msgId: '1', convId: SINGLE, seq: 9, pts: 9 } };

      await expect(alice.client.request(CmdType.PUSH, { text: 'forged push' }, push)).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_CMD });

      await expectNothingChanged();
    });
  });

  describe('a SEND with wrong types → BAD_FRAME (1000)', () => {
    it.each<[string, Content, FrameExtra]>([
      ['no route', { text: 'x' }, {}],
      ['route null', { text: 'x' }, { route: null as never }],
      ['route.convType a string', { text: 'x' }, { route: route({ convType: '1' }) }],
      ['route.convType 0', { text: 'x' }, { route: route({ convType: 0 }) }],
      ['route.convType 9', { text: 'x' }, { route: route({ convType: 9 }) }],
      ['route.convType a float', { text: 'x' }, { route: route({ convType: 1.5 }) }],
      ['route.msgType 999', { text: 'x' }, { route: route({ msgType: 999 }) }],
      ['route.msgType a string', { text: 'x' }, { route: route({ msgType: '1' }) }],
      ['route.to a number', { text: 'x' }, { route: route({ to: 42 }) }],
      ['route.to missing', { text: 'x' }, { route: { convType: 1, msgType: 1 } }],
      ['TEXT without text', {}, { route: route() }],
      ['TEXT with a numeric text', { text: 5 }, { route: route() }],
      ['IMAGE without url', { width: 1 }, { route: route({ msgType: MsgType.IMAGE }) }],
      ['FILE with a negative size', { url: 'u', name: 'n', size: -1 }, { route: route({ msgType: MsgType.FILE }) }],
      ['LOCATION off the globe', { lat: 91, lng: 0 }, { route: route({ msgType: MsgType.LOCATION }) }],
      ['CUSTOM without data', {}, { route: route({ msgType: MsgType.CUSTOM }) }],
      ['control.persist a string', { text: 'x' }, { route: route(), control: { persist: 'yes' } }],
      ['control.sync a number', { text: 'x' }, { route: route(), control: { sync: 1 } }],
      ['control.clientMsgId empty', { text: 'x' }, { route: route(), control: { clientMsgId: '' } }],
      ['control.clientMsgId over 64 chars', { text: 'x' }, { route: route(), control: { clientMsgId: 'c'.repeat(65) } }],
      ['control.clientMsgId a number', { text: 'x' }, { route: route(), control: { clientMsgId: 7 } }],
      ['options an array', { text: 'x' }, { route: route(), options: [1] as never }],
    ])('%s', async (_name, content, extra) => {
      await expect(alice.client.request(CmdType.SEND, content, extra)).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });

      await expectNothingChanged();
    });

    it.each([
      ['a string', '"hello"'],
      ['an array', '["hello"]'],
      ['null', 'null'],
      ['a number', '7'],
    ])('content %s', async (_name, content) => {
      const data = `{"header":{"version":1,"cmd":10,"reqId":"c"},"route":${JSON.stringify(route())},"content":${content}}`;

      const error = await refusalOfRaw(data);

      expect(error.header.reqId).toBe('c');
      expect(error.content.code).toBe(ErrorCode.BAD_FRAME);
      await expectNothingChanged();
    });
  });

  describe('an invalid id in route.to → BAD_FRAME (1000)', () => {
    it.each([
      ['too long', 'b'.repeat(65)],
      ['empty', ''],
      ['with a space', 'bo b'],
      ['with a newline', 'bob\n'],
      ['with a slash', 'a/b'],
      ['with a quote', "bob'--"],
      ['with a colon', 'bob:alice'],
      ['accented', 'böb'],
      ['CJK', '鲍勃'],
      ['emoji', 'bob🙂'],
    ])('%s', async (_name, to) => {
      await expect(alice.client.send({ ...text('bob', 'x'), to })).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });

      await expectNothingChanged();
    });

    it('in a group route as well', async () => {
      const send = groupText('te am', 'x');

      await expect(alice.client.send(send)).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
      await expectNothingChanged();
    });
  });

  describe('an invalid convId in READ or HISTORY → BAD_FRAME (1000)', () => {
    const shapes: [string, unknown][] = [
      ['no prefix', 'alice'],
      ['an unknown prefix', 'dm:alice:bob'],
      ['an upper-case prefix', 'GROUP:team'],
      ['a pair with one user', 'single:alice'],
      ['a pair in the wrong order', 'single:bob:alice'],
      ['a pair with the same user twice', 'single:alice:alice'],
      ['a pair with three users', 'single:alice:bob:carol'],
      ['a group without id', 'group:'],
      ['a group id with a space', 'group:te am'],
      ['a group id with an extra part', 'group:team:x'],
      ['a unicode group id', 'group:tëam'],
      ['a stranger pair in the wrong order', 'stranger:bob:alice'],
      ['an empty string', ''],
      ['over 200 chars', `group:${'g'.repeat(200)}`],
      ['a number', 42],
      ['null', null],
    ];

    it.each(shapes)('READ with %s', async (_name, convId) => {
      await expect(alice.client.request(CmdType.READ, { convId, seq: 1 })).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });

      await expectNothingChanged();
    });

    it.each(shapes)('HISTORY with %s', async (_name, convId) => {
      await expect(alice.client.request(CmdType.HISTORY, { convId })).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });

      await expectNothingChanged();
    });
  });

  describe('negative, fractional or mistyped numbers → BAD_FRAME (1000)', () => {
    it.each<[string, number, Content]>([
      ['READ seq -1', CmdType.READ, { convId: SINGLE, seq: -1 }],
      ['READ seq 1.5', CmdType.READ, { convId: SINGLE, seq: 1.5 }],
      ['READ seq "1"', CmdType.READ, { convId: SINGLE, seq: '1' }],
      ['READ seq 1e300', CmdType.READ, { convId: SINGLE, seq: 1e300 }],
      ['READ without seq', CmdType.READ, { convId: SINGLE }],
      ['HISTORY afterSeq -1', CmdType.HISTORY, { convId: SINGLE, afterSeq: -1 }],
      ['HISTORY beforeSeq 2.5', CmdType.HISTORY, { convId: SINGLE, beforeSeq: 2.5 }],
      ['HISTORY afterSeq "0"', CmdType.HISTORY, { convId: SINGLE, afterSeq: '0' }],
      ['HISTORY limit 0', CmdType.HISTORY, { convId: SINGLE, limit: 0 }],
      ['HISTORY limit -5', CmdType.HISTORY, { convId: SINGLE, limit: -5 }],
      ['HISTORY limit 1.5', CmdType.HISTORY, { convId: SINGLE, limit: 1.5 }],
      ['SYNC sincePts -1', CmdType.SYNC, { sincePts: -1 }],
      ['SYNC sincePts 0.5', CmdType.SYNC, { sincePts: 0.5 }],
      ['SYNC sincePts "0"', CmdType.SYNC, { sincePts: '0' }],
      ['SYNC without sincePts', CmdType.SYNC, {}],
      ['SYNC limit 0', CmdType.SYNC, { sincePts: 0, limit: 0 }],
      ['PUSH_ACK pts -1', CmdType.PUSH_ACK, { pts: -1 }],
      ['PUSH_ACK pts 2.5', CmdType.PUSH_ACK, { pts: 2.5 }],
    ])('%s', async (_name, cmd, content) => {
      await expect(alice.client.request(cmd, content)).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });

      await expectNothingChanged();
    });
  });

  describe('content over maxContentBytes → CONTENT_TOO_LARGE (1002)', () => {
    it('a TEXT over the limit', async () => {
      await expect(alice.client.send(text('bob', 'x'.repeat(LIMITS.maxContentBytes + 1)))).rejects.toMatchObject({
        code: ErrorCode.CONTENT_TOO_LARGE,
      });

      await expectNothingChanged();
    });

    it('a TEXT under the limit in characters but over it in UTF-8 bytes', async () => {
      const wide = '€'.repeat(400); // 400 chars, 1,200 bytes

      await expect(alice.client.send(text('bob', wide))).rejects.toMatchObject({ code: ErrorCode.CONTENT_TOO_LARGE });

      await expectNothingChanged();
    });

    it('a transient message over the limit', async () => {
      const big = { ...text('bob', 'x'.repeat(LIMITS.maxContentBytes + 1)), control: { persist: false } };

      await expect(alice.client.send(big)).rejects.toMatchObject({ code: ErrorCode.CONTENT_TOO_LARGE });

      await expectNothingChanged();
    });
  });
});

// ---- the hard frame limit -------------------------------------------------------------------

describe('a frame over maxFrameBytes', () => {
  const h = useHarness();

  it('closes the connection with 1009, and leaves other connections and stored data alone', async () => {
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true, ...LIMITS });
    await alice.client.send(text('bob', 'before'));
    const before = await snapshot(alice, bob);

    // When
    await alice.client.raw(frame({ cmd: CmdType.PING }, { padding: 'p'.repeat(LIMITS.maxFrameBytes) }));

    // Then
    expect((await alice.client.waitForClose()).code).toBe(CloseCode.TOO_BIG);
    expect((await bob.client.ping()).header.cmd).toBe(CmdType.PONG);
    const again = { ...alice, client: await h.connect(server, alice) };
    expect(await snapshot(again, bob)).toEqual(before);
  });

  it('is told apart from content over maxContentBytes, which is only refused with 1002', async () => {
    const { users: { alice } } = await h.setup(['alice', 'bob'], { friends: true, ...LIMITS });

    await expect(alice.client.send(text('bob', 'x'.repeat(2000)))).rejects.toMatchObject({ code: ErrorCode.CONTENT_TOO_LARGE });

    expect(alice.client.isOpen).toBe(true);
    expect((await alice.client.ping()).header.cmd).toBe(CmdType.PONG);
  });
});

// ---- helpers ----------------------------------------------------------------------------

interface Snapshot {
  syncs: unknown[];
  histories: unknown[];
  lists: unknown[];
}

/** Everything either user can read: both inboxes, both conversations, both conversation lists. */
type Reader = Pick<ConnectedUser, 'client' | 'http'>;

async function snapshot(alice: Reader, bob: Reader): Promise<Snapshot> {
  const historyOf = (convId: string) =>
    alice.client.history({ convId }).then(
      (r) => r.content,
      (e: unknown) => ({ error: (e as { code?: number }).code }),
    );
  return {
    syncs: [(await alice.client.sync(0)).content, (await bob.client.sync(0)).content],
    histories: [await historyOf(SINGLE), await historyOf(GROUP)],
    lists: [await alice.http.conversationList(), await bob.http.conversationList()],
  };
}
