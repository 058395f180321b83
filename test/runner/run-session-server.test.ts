import { describe, expect, it } from 'vitest';
import { CloseCode, CmdType, ErrorCode } from '../../src/protocol/codes.js';
import { parseScenario } from '../../src/runner/load.js';
import { displayMatcher, frameMatcher, normalizeMatcher } from '../../src/runner/match.js';
import { failureBlock, failureHeadline } from '../../src/runner/reporters/failure-format.js';
import { plainTheme } from '../../src/runner/reporters/theme.js';
import { embeddedServerOptions } from '../../src/runner/run.js';
import type { Step } from '../../src/runner/types.js';
import { expectNone, expectStep, pushOf, run, scenario, send, src, step, user, why } from './run-builders.js';

const friends = { friends: [['alice', 'bob']] as [string, string][] };

const connectKeeping = (actor: string): Step => ({ kind: 'connect', source: src(`connect ${actor}, close_previous: false`), actors: [actor], closePrevious: false });

describe('connect with closePrevious: false — a second connection KICKs the first', () => {
  it('the old connection gets KICK then close 4001; the new one is the device’s and keeps receiving', async () => {
    // Given bob@phone connected, then a second connection for bob@phone while the first is open
    const s = scenario({
      users: [user('alice'), user('bob', 'phone', 'laptop')],
      setup: friends,
      strictInbox: true,
      steps: [
        connectKeeping('bob@phone'),
        expectStep('bob@phone', { cmd: 'KICK', content: { reason: { $regex: 'phone' } } }, { closeCode: CloseCode.KICKED }),
        send('alice', 'bob', 'after'),
        expectStep('bob@phone', pushOf('after')),
        expectStep('bob@laptop', pushOf('after')),
        step({ kind: 'ping', actors: ['bob@phone', 'bob@laptop'] }),
        expectNone('bob@laptop', { cmd: 'KICK' }, 100),
      ],
    });
    // When
    const result = await run(s);
    // Then
    expect(result.passed, why(result)).toBe(true);
    expect(result.violations).toEqual([]);
    // The KICK of the older connection stays in the device's log next to the newer one's frames.
    const phone = result.transcripts.find((t) => t.actor === 'bob@phone');
    const cmds = phone?.frames.map((f) => f.frame.header.cmd) ?? [];
    expect(cmds).toContain(CmdType.KICK);
    expect(cmds.indexOf(CmdType.KICK)).toBeLessThan(cmds.indexOf(CmdType.PUSH));
  });

  it('a close_code that does not match fails, saying which code the connection closed with', async () => {
    const kick = expectStep('bob', { cmd: 'KICK' }, { closeCode: CloseCode.IDLE, timeoutMs: 300 });
    const s = scenario({ users: [user('bob')], steps: [connectKeeping('bob'), kick] });
    const result = await run(s);
    expect(result.failure?.source).toEqual(kick.source);
    expect(result.failure?.reason).toMatch(/got KICK.*but its connection closed with 4001 \(KICKED\).*expected 4000 \(IDLE\)/);
    expect(result.failure?.expected).toBe('{"cmd":"KICK"}, then the connection closed with 4000 (IDLE)');
  });

  it('a plain connect closes the old connection first: no KICK', async () => {
    const s = scenario({
      users: [user('bob')],
      steps: [step({ kind: 'connect', actors: ['bob@default'] }), expectNone('bob', { cmd: 'KICK' }, 200)],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });

  it('loads close_previous and close_code (by name or number)', () => {
    const parsed = parseScenario(
      [
        'users: { bob: { devices: [phone] } }',
        'steps:',
        '  - connect: { user: bob@phone, close_previous: false }',
        '  - expect: { user: bob@phone, frame: { cmd: KICK }, close_code: kicked }',
        '  - expect: { user: bob@phone, frame: { cmd: KICK }, close_code: 4001 }',
      ].join('\n'),
      'kick.yaml',
    );
    expect(parsed.steps[0]).toMatchObject({ kind: 'connect', actors: ['bob@phone'], closePrevious: false });
    expect(parsed.steps[1]).toMatchObject({ kind: 'expect', closeCode: 4001 });
    expect(parsed.steps[2]).toMatchObject({ kind: 'expect', closeCode: 4001 });
    expect(() => parseScenario('users: { bob: {} }\nsteps:\n  - expect: { user: bob, frame: { cmd: KICK }, close_code: kiked }\n', 'k.yaml')).toThrow(
      'k.yaml:3:60: steps[0].expect.close_code: unknown close code "kiked" (did you mean "kicked"?)',
    );
  });
});

describe('server: — settings of the embedded server', () => {
  const RATE = ['server:', '  rate_limit: { burst: 3, per_second: 0.001 }', '  idle_timeout: 30s', '  max_content_bytes: 1000'].join('\n');

  it('loads into the typed scenario, with the line of the key', () => {
    const parsed = parseScenario(`name: limits\n${RATE}\nusers: { alice: {} }\nsteps:\n  - ping: alice\n`, 'limits.yaml');
    expect(parsed.server).toEqual({
      source: { file: 'limits.yaml', line: 2, text: expect.stringContaining('rate_limit') },
      rateLimit: { burst: 3, perSecond: 0.001 },
      idleTimeoutMs: 30_000,
      maxContentBytes: 1000,
    });
    expect(embeddedServerOptions(parsed)).toMatchObject({ rateLimit: { burst: 3, perSecond: 0.001 }, idleTimeoutMs: 30_000, maxContentBytes: 1000, db: ':memory:' });
  });

  it('keeps the runner’s high limits for what it does not set', () => {
    const parsed = parseScenario('server: { rate_limit: { burst: 2 } }\nusers: { alice: {} }\nsteps:\n  - ping: alice\n', 'x.yaml');
    expect(embeddedServerOptions(parsed).rateLimit).toEqual({ burst: 2, perSecond: 100_000 });
    expect(embeddedServerOptions({ ...parsed, server: undefined }).rateLimit).toEqual({ burst: 100_000, perSecond: 100_000 });
  });

  it('rejects unknown keys and impossible values at their line', () => {
    expect(() => parseScenario('server:\n  rate_limit: { brust: 3 }\nusers: { alice: {} }\nsteps: [{ ping: alice }]\n', 'x.yaml')).toThrow(
      'x.yaml:2:17: server.rate_limit: unknown key "brust" (did you mean "burst"?)',
    );
    expect(() => parseScenario('server: { rate_limit: { per_second: 0 } }\nusers: { alice: {} }\nsteps: [{ ping: alice }]\n', 'x.yaml')).toThrow(/per_second/);
  });

  it('a fourth SEND past a burst of 3 is RATE_LIMITED, and the connection stays up', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      server: { source: src('server'), rateLimit: { burst: 3, perSecond: 0.001 } },
      steps: [
        send('alice', 'bob', '1'),
        send('alice', 'bob', '2'),
        send('alice', 'bob', '3'),
        send('alice', 'bob', '4', { expectError: ErrorCode.RATE_LIMITED }),
        step({ kind: 'ping', actors: ['alice@default'] }),
        step({ kind: 'sync', actor: 'bob', since: 0, all: true, expect: { messages: { $len: 3 } } }),
      ],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });

  it('against --server, a file with server: fails with the reason and the line, before connecting', async () => {
    const s = scenario({ users: [user('alice')], server: { source: { file: 'engine-test.yaml', line: 4, text: 'server: …' }, rateLimit: { burst: 3 } }, steps: [step({ kind: 'ping', actors: ['alice'] })] });
    const result = await run(s, { servers: ['http://127.0.0.1:1'] });
    expect(result.passed).toBe(false);
    expect(result.stepsRun).toBe(0);
    expect(result.error).toMatch(/^engine-test\.yaml:4: server: configures the embedded server, but this run targets --server http:\/\/127\.0\.0\.1:1/);
    expect(result.error).toMatch(/run this file without --server \(or with --cluster\)$/);
  });
});

describe('failure reports', () => {
  it('an unknown template variable names the step’s actor and shows the step as the expectation', async () => {
    const waiting = expectStep('bob', { cmd: 'PUSH', stamp: { msgId: '{{nope.msgId}}' } });
    const s = scenario({ users: [user('alice'), user('bob')], steps: [waiting] });
    const result = await run(s);
    expect(result.failure?.reason).toMatch(/unknown template variable "nope"/);
    expect(result.failure?.actor).toBe('bob@default');
    expect(result.failure?.expected).toBe(waiting.source.text);
    expect(failureBlock(result, plainTheme).join('\n')).not.toContain('received no frame');
  });

  it('strict_inbox points at the strict_inbox: line (line 1 when the scenario does not say)', async () => {
    const base = { users: [user('alice'), user('bob')], setup: friends, strictInbox: true, steps: [send('alice', 'bob', 'left over')] };
    const said = await run(scenario({ ...base, strictInboxSource: { file: 'engine-test.yaml', line: 3, text: 'strict_inbox: true' } }));
    expect(said.strictInboxSource?.line).toBe(3);
    expect(failureHeadline(said)).toBe('engine-test.yaml:3: strict_inbox: 1 frame(s) left unread (bob@default 1)');
    expect(failureBlock(said, plainTheme)).toContain('  strict_inbox  engine-test.yaml:3  1 frame(s) left unread (bob@default 1)');
    const unsaid = await run(scenario(base));
    expect(failureHeadline(unsaid)).toBe('engine-test.yaml:1: strict_inbox: 1 frame(s) left unread (bob@default 1)');
  });

  it('an expectation that fails shows the matcher with names, as written', async () => {
    // As the loader hands it over: names resolved to numbers, cmd moved into the header.
    const waiting = expectStep('bob', { header: { cmd: CmdType.PUSH }, route: { convType: 1, msgType: { $in: [1, 2] } }, content: { text: 'ho' } }, { timeoutMs: 200 });
    const s = scenario({ users: [user('alice'), user('bob')], setup: friends, steps: [send('alice', 'bob', 'hi'), waiting] });
    const result = await run(s);
    expect(result.failure?.expected).toBe('{"cmd":"PUSH","route":{"convType":"single","msgType":{"$in":["text","image"]}},"content":{"text":"ho"}}');
    // The diff is unchanged: the field that differs.
    expect(result.failure?.closest?.diff).toBe('content.text: expected "ho", got "hi"');
  });

  it('displayMatcher turns the normaliser’s numbers back into names where it resolved them', () => {
    expect(displayMatcher(frameMatcher({ cmd: 'PUSH', route: { convType: 'group', msgType: 'image' }, stamp: { seq: 1 } }), true)).toEqual({
      cmd: 'PUSH',
      route: { convType: 'group', msgType: 'image' },
      stamp: { seq: 1 },
    });
    expect(displayMatcher({ header: { cmd: 99 }, content: { code: { $in: [3001, 1003] } } }, true)).toEqual({ cmd: 'ERROR', content: { code: { $in: ['NOT_FRIENDS', 'RATE_LIMITED'] } } });
    expect(displayMatcher({ header: { cmd: 20, version: 1 } }, true)).toEqual({ header: { cmd: 'PUSH', version: 1 } });
    // Numbers outside named positions stay numbers; reply matchers keep their shape.
    expect(displayMatcher(normalizeMatcher({ messages: { $contains: { route: { convType: 2 } } }, code: 3, maxPts: 20 }))).toEqual({
      messages: { $contains: { route: { convType: 'group' } } },
      code: 3,
      maxPts: 20,
    });
  });
});
