import { afterEach, describe, expect, it } from 'vitest';
import { ConvType, MsgType } from '../../src/protocol/codes.js';
import { createServer, type ImServer } from '../../src/server/create-server.js';
import {
  expectAll,
  expectNone,
  expectStep,
  group,
  http,
  pushOf,
  repeat,
  run,
  scenario,
  send,
  sendGroup,
  step,
  user,
  why,
} from './run-builders.js';

const members = ['alice', 'bob', 'carol', 'dave'];

describe('runScenario: groups and membership', () => {
  it('a normal group run has zero violations and zero lost', async () => {
    // Given a group of four, everyone connected
    const s = scenario({
      users: members.map((m) => user(m)),
      setup: { groups: [group('team', 'alice', ['bob', 'carol', 'dave'], { admins: ['bob'] })] },
      strictInbox: true,
      steps: [
        // When each member sends once
        repeat({ forEach: 'users', as: 'u', steps: [sendGroup('{{u}}', 'team', 'from {{u}}')] }),
        // Then each gets the other three, in any order
        repeat({
          forEach: 'users',
          as: 'u',
          steps: [step({ kind: 'expect_all', actor: '{{u}}', matches: [{ cmd: 'PUSH', stamp: { convId: '{{conv.group.team}}' } }, { cmd: 'PUSH' }, { cmd: 'PUSH' }] })],
        }),
      ],
      thresholds: [{ source: { file: 'f', line: 1, text: 'lost == 0' }, metric: 'lost', op: '==', value: 0 }],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
    expect(result.violations).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBe(0);
    expect(result.delivery.count).toBe(12);
  });

  it('HTTP membership changes feed the model: an added member receives, a removed one does not', async () => {
    const s = scenario({
      users: [...members, 'eve'].map((m) => user(m)),
      setup: { groups: [group('team', 'alice', ['bob'])] },
      steps: [
        http('alice', 'POST', '/group/add-members', { body: { groupId: 'team', members: ['eve'] } }),
        http('eve', 'GET', '/group/members', { query: { groupId: 'team' }, expect: { members: { $contains: { userId: 'eve', role: 'member' } } }, save: 'm' }),
        sendGroup('alice', 'team', 'welcome'),
        expectAll('eve', [pushOf('welcome', { route: { from: 'alice', to: 'team' } })]),
        expectStep('bob', pushOf('welcome')),
        http('alice', 'POST', '/group/remove-members', { body: { groupId: 'team', members: ['bob'] } }),
        sendGroup('alice', 'team', 'bye bob'),
        expectStep('eve', pushOf('bye bob')),
        expectNone('bob', { cmd: 'PUSH' }, 50),
        http('bob', 'POST', '/group/join', { body: { groupId: 'team' }, expectCode: 2005 }),
        http('carol', 'POST', '/group/create', { body: { groupId: 'room', type: ConvType.CHATROOM, name: 'room' }, expect: { convId: 'chatroom:room' } }),
        http('dave', 'POST', '/group/join', { body: { groupId: 'room' } }),
        send('carol', 'room', 'in the room', { convType: ConvType.CHATROOM }),
        expectStep('dave', pushOf('in the room', { stamp: { convId: '{{conv.chatroom.room}}', pts: { $exists: false } } })),
      ],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
    expect(result.lost).toBe(0);
  });

  it('a reconnect with sync catches up on what the device missed, without violations', async () => {
    const s = scenario({
      users: [user('alice'), user('bob', 'phone')],
      setup: { friends: [['alice', 'bob']] },
      steps: [
        send('alice', 'bob', 'one'),
        expectStep('bob@phone', pushOf('one')),
        step({ kind: 'disconnect', actors: ['bob@phone'], mode: 'abrupt' }),
        send('alice', 'bob', 'two'),
        send('alice', 'bob', 'three'),
        step({ kind: 'reconnect', actors: ['bob@phone'], sync: true }),
        step({ kind: 'sync', actor: 'bob@phone', since: 0, all: true, limit: 1, expect: { messages: { $len: 3 } } }),
        step({ kind: 'sync', actor: 'bob@phone', since: 'last', all: true, expect: { messages: [] } }),
        step({ kind: 'ping', actors: ['alice', 'bob@phone'] }),
      ],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
    expect(result.violations).toEqual([]);
    const bob = result.transcripts.find((t) => t.actor === 'bob@phone');
    expect(bob?.frames.length).toBeGreaterThan(0);
  });
});

describe('runScenario against --server', () => {
  let server: ImServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('prefixes users and groups with the run id and maps names in matchers, bodies and templates', async () => {
    // Given a running server and a scenario written with plain names
    server = await createServer({ port: 0, host: '127.0.0.1', db: ':memory:', logLevel: 'silent' });
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: { friends: [['alice', 'bob']], groups: [group('team', 'alice', ['bob'])] },
      steps: [
        send('alice', 'bob', 'hi {{bob.id}}', { save: 'm' }),
        expectStep('bob', pushOf('hi x7-bob', { route: { from: 'alice', to: 'bob' }, stamp: { convId: 'single:bob:alice' } })),
        sendGroup('bob', 'team', 'to the team'),
        expectStep('alice', pushOf('to the team', { route: { from: { $in: ['bob'] }, to: 'team' }, stamp: { convId: 'group:team' } })),
        http('alice', 'GET', '/group/info', { query: { groupId: 'team' }, expect: { groupId: '{{group.team}}', owner: 'alice', convId: '{{conv.group.team}}' } }),
        http('admin', 'POST', '/system/send', { body: { to: 'bob', msgType: MsgType.SYSTEM, content: { text: 'notice' } } }),
        expectStep('bob', { cmd: 'PUSH', route: { from: 'system', convType: 'system' }, stamp: { convId: 'system:bob' } }),
        step({ kind: 'history', actor: 'bob', conv: 'single:alice:bob', expect: { messages: [{ content: { text: 'hi x7-bob' } }] } }),
      ],
    });
    // When it runs against that server with run id x7
    const result = await run(s, { servers: [server.httpUrl], adminToken: server.adminToken, runId: 'x7' });
    // Then
    expect(result.passed, why(result)).toBe(true);
    expect(result.violations).toEqual([]);
  });
});
