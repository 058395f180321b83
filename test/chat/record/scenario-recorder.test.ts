import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactCommandLine, SessionRecorder } from '../../../src/chat/record/scenario-recorder.js';
import { CmdType, ConvType, ErrorCode, MsgType } from '../../../src/protocol/codes.js';
import { parseScenario } from '../../../src/runner/load.js';
import { ack, errorReply, inbound, out, push, reply, request, sendFrame } from './wire-fixtures.js';

const newRecorder = (users = ['alice', 'bob']) =>
  new SessionRecorder({ users, friends: [['alice', 'bob']], startedAt: new Date('2025-05-06T07:08:09Z'), source: 'im chat alice bob --embedded --record s.yaml' });

type Doc = ReturnType<SessionRecorder['toScenario']>;
const stepsOf = (doc: Doc) => doc.steps as Record<string, Record<string, unknown>>[];

/** Loads the YAML as `im scenario check` would: a file the loader refuses cannot be replayed. */
const loads = (recorder: SessionRecorder) => parseScenario(recorder.toYaml(), 'recorded.yaml');

/** alice sends "hi" to bob; bob's PUSH arrives before alice's ack, as it may on the wire. */
function dialog(recorder: SessionRecorder): void {
  recorder.recordWire('alice', 'tui', out(sendFrame('r-1', 'bob', { text: 'hi' })));
  recorder.recordWire('bob', 'tui', inbound(push('alice', 'bob', { text: 'hi' }, { msgId: '7001', convId: 'single:alice:bob', seq: 41, pts: 90, sendTime: 1 })));
  recorder.recordWire('alice', 'tui', inbound(ack('r-1', { msgId: '7001', convId: 'single:alice:bob', seq: 41, pts: 77, sendTime: 1 })));
}

describe('SessionRecorder: mapping a session to steps', () => {
  it('a SEND becomes a send step saved as m1; the PUSH it caused an expectation with msgId and seq as templates, no pts or sendTime', () => {
    const recorder = newRecorder();
    dialog(recorder);
    const doc = recorder.toScenario();
    expect(stepsOf(doc)).toEqual([
      { send: { from: 'alice', to: 'bob', text: 'hi' }, save: 'm1' },
      {
        expect: {
          user: 'bob',
          frame: {
            cmd: 'PUSH',
            route: { convType: 'single', msgType: 'text', from: 'alice', to: 'bob' },
            content: { text: 'hi' },
            stamp: { msgId: '{{m1.msgId}}', convId: '{{conv.single.alice.bob}}', seq: '{{m1.seq}}' },
          },
        },
      },
    ]);
    expect(doc.setup).toEqual({ friends: [['alice', 'bob']] });
    expect(doc.thresholds).toEqual(['lost == 0', 'duplicates == 0', 'violations == 0']);
    expect(loads(recorder).steps).toHaveLength(2);
  });

  it('a SEND answered by ERROR expects that error and saves nothing; the refused peer is declared but left offline', () => {
    const recorder = newRecorder();
    recorder.recordWire('alice', 'tui', out(sendFrame('r-1', 'carol', { text: 'psst' })));
    recorder.recordWire('alice', 'tui', inbound(errorReply('r-1', ErrorCode.NOT_FRIENDS)));
    recorder.recordWire('alice', 'tui', out(sendFrame('r-2', 'nobody', { text: 'hello?' })));
    recorder.recordWire('alice', 'tui', inbound(errorReply('r-2', ErrorCode.USER_NOT_FOUND)));
    const doc = recorder.toScenario();
    expect(stepsOf(doc)).toEqual([
      { send: { from: 'alice', to: 'carol', text: 'psst', expect_error: 'NOT_FRIENDS' } },
      { send: { from: 'alice', to: 'nobody', text: 'hello?', expect_error: 'USER_NOT_FOUND' } },
    ]);
    // carol must exist for NOT_FRIENDS; "nobody" must not, or the replay would get another error.
    expect(Object.keys(doc.users)).toEqual(['alice', 'bob', 'carol']);
    expect(doc.setup?.connect).toEqual(['alice', 'bob']);
    loads(recorder);
  });

  it('a group created over HTTP is saved as g1, and the id the server made is a template wherever it comes back', () => {
    const recorder = newRecorder();
    recorder.recordHttp('alice', { method: 'POST', path: '/user/login', body: { userId: 'alice', password: 'hunter2' }, data: { token: 'tok-secret' }, at: 1 });
    recorder.recordHttp('alice', { method: 'POST', path: '/group/create', body: { type: ConvType.GROUP, name: 'Team', members: ['bob'] }, data: { groupId: 'gx1y2z', convId: 'group:gx1y2z' }, at: 2 });
    recorder.recordHttp('alice', { method: 'GET', path: '/group/info', data: { groupId: 'gx1y2z' }, at: 3 });
    recorder.recordWire('alice', 'tui', out(sendFrame('r-1', 'gx1y2z', { text: 'welcome' }, { convType: ConvType.GROUP })));
    recorder.recordWire('alice', 'tui', inbound(ack('r-1', { msgId: '8001', convId: 'group:gx1y2z', seq: 1, pts: 3, sendTime: 1 })));
    recorder.recordWire('bob', 'tui', inbound(push('alice', 'gx1y2z', { text: 'welcome' }, { msgId: '8001', convId: 'group:gx1y2z', seq: 1, pts: 5, sendTime: 1 }, { convType: ConvType.GROUP })));
    recorder.recordHttp('alice', { method: 'POST', path: '/group/add-members', body: { groupId: 'gx1y2z', members: ['dave'] }, data: {}, at: 4 });
    recorder.recordWire('bob', 'tui', out(request(CmdType.HISTORY, 'r-9', { convId: 'group:gx1y2z', afterSeq: 0 })));
    recorder.recordWire('bob', 'tui', inbound(reply(CmdType.HISTORY_RESP, 'r-9', { messages: [push('alice', 'gx1y2z', { text: 'welcome' }, { msgId: '8001', convId: 'group:gx1y2z', seq: 1, sendTime: 1 })], hasMore: false })));
    const yaml = recorder.toYaml();
    expect(yaml).not.toMatch(/hunter2|tok-secret|login|gx1y2z/);
    const steps = stepsOf(recorder.toScenario());
    expect(steps[0]).toEqual({ http: { as: 'alice', post: '/group/create', body: { type: 2, name: 'Team', members: ['bob'] } }, save: 'g1' });
    expect(steps[1]).toEqual({ send: { from: 'alice', to: '{{g1.groupId}}', type: 'group', text: 'welcome' }, save: 'm1' });
    expect(steps[2]?.expect).toMatchObject({ frame: { route: { to: '{{g1.groupId}}' }, stamp: { convId: '{{g1.convId}}', seq: '{{m1.seq}}' } } });
    expect(steps[3]).toEqual({ http: { as: 'alice', post: '/group/add-members', body: { groupId: '{{g1.groupId}}', members: ['dave'] } } });
    expect(steps[4]).toEqual({
      history: { user: 'bob', conv: '{{g1.convId}}', after_seq: 0, expect: { messages: [{ stamp: { msgId: '{{m1.msgId}}', seq: '{{m1.seq}}' } }], hasMore: false } },
    });
    loads(recorder);
  });

  it('SYNC starts from the replay’s own pts of the last message the user had seen, captured where the user saw it', () => {
    const recorder = newRecorder();
    dialog(recorder);
    recorder.recordWire('bob', 'tui', out(request(CmdType.SYNC, 'r-5', { sincePts: 90 })));
    recorder.recordWire('bob', 'tui', inbound(reply(CmdType.SYNC_RESP, 'r-5', { messages: [], maxPts: 90, hasMore: false })));
    recorder.recordWire('alice', 'tui', out(request(CmdType.SYNC, 'r-6', { sincePts: 3, limit: 50 })));
    const old = push('bob', 'alice', { text: 'from before' }, { msgId: '1', convId: 'single:alice:bob', seq: 2, pts: 4, sendTime: 0 });
    const own = push('alice', 'bob', { text: 'hi' }, { msgId: '7001', convId: 'single:alice:bob', seq: 41, pts: 77, sendTime: 1 });
    recorder.recordWire('alice', 'tui', inbound(reply(CmdType.SYNC_RESP, 'r-6', { messages: [old, own], maxPts: 77, hasMore: false })));
    const steps = stepsOf(recorder.toScenario());
    expect(steps[1]).toMatchObject({ save: 'p1' });
    expect(steps[2]).toEqual({ sync: { user: 'bob', since: '{{p1.stamp.pts}}', all: false, expect: { messages: [], maxPts: '{{p1.stamp.pts}}', hasMore: false } } });
    // Older than the session: the fresh server holds only this session's message.
    expect(steps[3]).toEqual({ sync: { user: 'alice', since: 0, limit: 50, all: false, expect: { messages: [{ stamp: { msgId: '{{m1.msgId}}' } }], maxPts: '{{m1.pts}}', hasMore: false } } });
    loads(recorder);
  });

  it('READ targets the seq of the session’s message, and the READ_NOTIFY it caused is expected', () => {
    const recorder = newRecorder();
    dialog(recorder);
    recorder.recordWire('bob', 'tui', out(request(CmdType.READ, 'r-7', { convId: 'single:alice:bob', seq: 41 })));
    recorder.recordWire('bob', 'tui', inbound(reply(CmdType.READ_ACK, 'r-7', { convId: 'single:alice:bob', readSeq: 41, unread: 0 })));
    recorder.recordWire('alice', 'tui', inbound(reply(CmdType.READ_NOTIFY, 'x', { convId: 'single:alice:bob', userId: 'bob', readSeq: 41 })));
    recorder.recordWire('alice', 'tui', out(request(CmdType.PING, 'r-8', {})));
    recorder.recordWire('alice', 'tui', inbound(reply(CmdType.PONG, 'r-8', {})));
    recorder.recordWire('alice', 'tui', out(request(CmdType.PUSH_ACK, 'r-9', { pts: 77 })));
    const steps = stepsOf(recorder.toScenario());
    expect(steps.slice(2)).toEqual([
      { read: { user: 'bob', conv: '{{conv.single.alice.bob}}', seq: '{{m1.seq}}', expect: { readSeq: '{{m1.seq}}' } } },
      { expect: { user: 'alice', frame: { cmd: 'READ_NOTIFY', content: { convId: '{{conv.single.alice.bob}}', userId: 'bob', readSeq: '{{m1.seq}}' } } } },
    ]);
    loads(recorder);
  });

  it('typed text that looks like a template stays literal, and content keys the loader would interpret are left out of matchers', () => {
    const recorder = newRecorder();
    const content = { text: 'use {{m1.msgId}} here', $where: 1, code: 12345 };
    recorder.recordWire('alice', 'tui', out(sendFrame('r-1', 'bob', content, { msgType: MsgType.CUSTOM })));
    recorder.recordWire('alice', 'tui', inbound(ack('r-1', { msgId: '9', convId: 'single:alice:bob', seq: 1, pts: 1, sendTime: 1 })));
    recorder.recordWire('bob', 'tui', inbound(push('alice', 'bob', content, { msgId: '9', convId: 'single:alice:bob', seq: 1, pts: 1, sendTime: 1 }, { msgType: MsgType.CUSTOM })));
    const doc = recorder.toScenario();
    const [wrapper] = stepsOf(doc);
    const inner = wrapper?.repeat as { for_each: string[]; as: string; steps: Record<string, Record<string, unknown>>[] };
    expect(inner.for_each).toEqual(['{']);
    const escaped = `use {{${inner.as}}}{{${inner.as}}}m1.msgId}} here`;
    expect(inner.steps[0]?.send?.content).toEqual({ text: escaped, $where: 1, code: 12345 });
    expect((inner.steps[1]?.expect?.frame as { content: unknown }).content).toEqual({ text: escaped });
    loads(recorder);
  });

  it('typing indicators become steps unless left out, devices of one user are told apart, and an empty session still loads', () => {
    const recorder = newRecorder();
    recorder.recordWire('alice', 'phone', out(sendFrame('r-1', 'bob', {}, { msgType: MsgType.TYPING })));
    recorder.recordWire('alice', 'phone', inbound(ack('r-1', { msgId: '5', convId: 'single:alice:bob', sendTime: 1 })));
    recorder.recordWire('alice', 'laptop', out(request(CmdType.PING, 'r-1', {})));
    const doc = recorder.toScenario();
    expect(doc.users.alice).toEqual({ devices: ['phone', 'laptop'] });
    expect(stepsOf(doc)[0]).toEqual({ send: { from: 'alice@phone', to: 'bob', msg_type: 'typing' }, save: 'm1' });
    loads(recorder);

    const quiet = new SessionRecorder({ users: ['alice'], friends: [], startedAt: new Date(), source: 'im chat alice', typing: false });
    quiet.recordWire('alice', 'tui', out(sendFrame('r-1', 'bob', {}, { msgType: MsgType.TYPING })));
    expect(quiet.toScenario().steps).toEqual([{ ping: ['alice'] }]);
    loads(quiet);
  });
});

describe('SessionRecorder: the file', () => {
  it('starts with a header naming when and from what it was recorded, and writes atomically', async () => {
    const recorder = newRecorder();
    dialog(recorder);
    const dir = await mkdtemp(join(tmpdir(), 'im-recorder-'));
    try {
      const file = join(dir, 'session.yaml');
      await recorder.write(file);
      const text = await readFile(file, 'utf8');
      expect(text.split('\n')[0]).toBe('# Recorded by im chat on 2025-05-06T07:08:09.000Z from: im chat alice bob --embedded --record s.yaml');
      expect(text).toContain('  - send: { from: alice, to: bob, text: hi }\n    save: m1\n');
      expect(await readdir(dir)).toEqual(['session.yaml']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('redacts credentials from the command line it quotes', () => {
    expect(redactCommandLine('im chat alice --password hunter2 --token=abc --record s.yaml')).toBe('im chat alice --password *** --token=*** --record s.yaml');
  });
});
