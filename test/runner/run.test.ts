import { describe, expect, it } from 'vitest';
import { CmdType } from '../../src/protocol/codes.js';
import type { Step, StepEvent } from '../../src/runner/types.js';
import {
  barrier,
  expectAll,
  expectNone,
  expectSeq,
  expectStep,
  http,
  parallel,
  pushOf,
  repeat,
  run,
  scenario,
  send,
  step,
  user,
  why,
} from './run-builders.js';

const friends = { friends: [['alice', 'bob']] as [string, string][] };

describe('runScenario: a direct message', () => {
  it('passes when both of the receiver’s devices get the push, with no violations and a latency sample each', async () => {
    // Given alice and bob (phone + laptop), friends
    const s = scenario({
      users: [user('alice'), user('bob', 'phone', 'laptop')],
      setup: friends,
      steps: [
        send('alice', 'bob', 'hi'),
        expectStep('bob@phone', pushOf('hi', { route: { from: 'alice', to: 'bob', convType: 'single', msgType: 'text' } })),
        expectStep('bob@laptop', { cmd: 'push', content: { text: 'hi' }, stamp: { seq: 1, convId: 'single:alice:bob' } }),
      ],
    });
    // When it runs
    const events: StepEvent[] = [];
    const result = await run(s, { onStep: (e) => events.push(e) });
    // Then
    expect(result.passed, why(result)).toBe(true);
    expect(result.stepsRun).toBe(3);
    expect(result.violations).toEqual([]);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBe(0);
    expect(result.delivery.count).toBe(2);
    expect(events.map((e) => `${e.index}:${e.kind}:${e.status}`)).toEqual([
      '0:send:start',
      '0:send:pass',
      '1:expect:start',
      '1:expect:pass',
      '2:expect:start',
      '2:expect:pass',
    ]);
    const actors = result.transcripts.map((t) => t.actor).sort();
    expect(actors).toEqual(['alice@default', 'bob@laptop', 'bob@phone']);
    const alice = result.transcripts.find((t) => t.actor === 'alice@default');
    expect(alice?.sent.map((f) => f.frame.header.cmd)).toEqual([CmdType.SEND]);
    expect(alice?.frames.map((f) => f.frame.header.cmd)).toContain(CmdType.SEND_ACK);
  });

  it('a refused send passes when the step expects that error code', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      steps: [send('alice', 'bob', 'hello?', { expectError: 3001 }), expectNone('bob', { cmd: 'PUSH' }, 50)],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });
});

describe('runScenario: failure output', () => {
  it('an expect that times out names its source line, the closest frame and a field diff', async () => {
    // Given bob receives "hi" but the scenario waits for "ho"
    const waiting = expectStep('bob', pushOf('ho'), { timeoutMs: 200 });
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      steps: [send('alice', 'bob', 'hi'), waiting, send('alice', 'bob', 'never sent')],
    });
    // When
    const result = await run(s);
    // Then
    expect(result.passed).toBe(false);
    expect(result.stepsRun).toBe(2);
    const failure = result.failure;
    expect(failure?.source).toEqual(waiting.source);
    expect(failure?.actor).toBe('bob@default');
    expect(failure?.reason).toContain('200 ms');
    expect(failure?.expected).toContain('"text":"ho"');
    expect(failure?.closest?.frame.header.cmd).toBe(CmdType.PUSH);
    expect(failure?.closest?.diff).toBe('content.text: expected "ho", got "hi"');
    expect(failure?.recent?.map((f) => f.frame.header.cmd)).toEqual([CmdType.PUSH]);
  });

  it('a failed step stops the run and reports fail events for it', async () => {
    const events: StepEvent[] = [];
    const s = scenario({
      users: [user('alice'), user('bob')],
      steps: [send('alice', 'bob', 'x'), send('alice', 'bob', 'y')],
    });
    const result = await run(s, { onStep: (e) => events.push(e) });
    expect(result.passed).toBe(false);
    expect(result.failure?.reason).toMatch(/NOT_FRIENDS/);
    expect(events.map((e) => e.status)).toEqual(['start', 'fail']);
  });

  it('a reply that does not match shows the field in one line and the reply frame as the closest', async () => {
    const history = step({ kind: 'history', actor: 'bob', conv: '{{conv.single.alice.bob}}', expect: { messages: [{ content: { text: 'ho' } }] } });
    const s = scenario({ users: [user('alice'), user('bob')], setup: friends, steps: [send('alice', 'bob', 'hi'), history] });
    const result = await run(s);
    expect(result.failure?.source).toEqual(history.source);
    expect(result.failure?.reason).toBe('the reply does not match: content.messages[0].content.text: expected "ho", got "hi"');
    expect(result.failure?.closest?.frame.header.cmd).toBe(CmdType.HISTORY_RESP);
    expect(result.failure?.closest?.diff).toBe('content.messages[0].content.text: expected "ho", got "hi"');
  });

  it('an HTTP step with the wrong envelope code fails with that code', async () => {
    const call = http('bob', 'GET', '/group/members', { query: { groupId: 'nope' } });
    const result = await run(scenario({ users: [user('bob')], steps: [call] }));
    expect(result.failure?.source).toEqual(call.source);
    expect(result.failure?.reason).toMatch(/^got code 3008 CONVERSATION_NOT_FOUND/);
  });

  it('an unknown template variable fails the step, naming the variable', async () => {
    const s = scenario({ users: [user('alice'), user('bob')], setup: friends, steps: [send('alice', 'bob', '{{nope.msgId}}')] });
    const result = await run(s);
    expect(result.passed).toBe(false);
    expect(result.failure?.reason).toMatch(/unknown template variable "nope"/);
  });

  it('an actor that is not connected fails the step', async () => {
    const s = scenario({ users: [user('alice'), user('bob')], setup: { ...friends, connect: ['bob'] }, steps: [send('alice', 'bob', 'x')] });
    const result = await run(s);
    expect(result.failure?.reason).toMatch(/alice@default is not connected/);
  });
});

describe('runScenario: expectations', () => {
  const three = (...texts: string[]): Step[] => texts.map((t) => send('alice', 'bob', t));

  it('expect_none fails on a matching frame already in the inbox', async () => {
    const none = expectNone('bob', { cmd: 'PUSH', content: { text: 'hi' } }, 100);
    // Pushes arrive in pts order: once "marker" is consumed, "hi" is already in the inbox.
    const s = scenario({ users: [user('alice'), user('bob')], setup: friends, steps: [send('alice', 'bob', 'hi'), send('alice', 'bob', 'marker'), expectStep('bob', pushOf('marker')), none] });
    const result = await run(s);
    expect(result.failure?.source).toEqual(none.source);
    expect(result.failure?.reason).toMatch(/should not have/);
    expect(result.failure?.closest?.frame.header.cmd).toBe(CmdType.PUSH);
  });

  it('expect_none passes when nothing matching arrives in its window, and leaves other frames alone', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      steps: [send('alice', 'bob', 'hi'), expectNone('bob', pushOf('other'), 50), expectStep('bob', pushOf('hi'))],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });

  it('expect_all takes one distinct frame per matcher, in any order', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      strictInbox: true,
      steps: [
        ...three('one', 'two', 'three'),
        // The first matcher matches "two" first, but "two" is the only frame for the second one.
        expectAll('bob', [{ cmd: 'PUSH', content: { text: { $regex: '^t' } } }, pushOf('two')], { save: 'got' }),
        expectStep('bob', pushOf('one')),
      ],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });

  it('expect_all fails when two matchers can only share one frame', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      steps: [...three('one'), expectAll('bob', [pushOf('one'), pushOf('one')], { timeoutMs: 150 })],
    });
    const result = await run(s);
    expect(result.passed).toBe(false);
    expect(result.failure?.reason).toMatch(/1 of 2 matchers/);
  });

  it('expect_seq skips unrelated frames without consuming them', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      strictInbox: true,
      steps: [...three('a', 'b', 'c'), expectSeq('bob', [pushOf('a'), pushOf('c')]), expectStep('bob', pushOf('b'))],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });

  it('expect_seq fails at once when a later matcher’s frame comes first', async () => {
    const seq = expectSeq('bob', [pushOf('c'), pushOf('a')], { timeoutMs: 60_000 });
    const s = scenario({ users: [user('alice'), user('bob')], setup: friends, steps: [...three('a', 'b', 'c'), seq] });
    const result = await run(s);
    expect(result.failure?.source).toEqual(seq.source);
    expect(result.failure?.reason).toMatch(/out of order/);
  });

  it('strict_inbox fails the scenario on frames nobody consumed', async () => {
    const s = scenario({ users: [user('alice'), user('bob')], setup: friends, strictInbox: true, steps: three('left over') });
    const result = await run(s);
    expect(result.passed).toBe(false);
    expect(result.failure).toBeUndefined();
    expect(result.unconsumed.map((u) => [u.actor, u.frames.length])).toEqual([['bob@default', 1]]);
  });
});

describe('runScenario: captures and templates', () => {
  it('saves a send and refers to it, and to an actor’s last frame', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      steps: [
        send('alice', 'bob', 'first', { save: 'm1' }),
        expectStep('bob', { cmd: 'PUSH', stamp: { msgId: '{{m1.msgId}}', seq: '{{m1.seq}}', convId: '{{conv.single.bob.alice}}' } }),
        send('alice', 'bob', 'second {{m1.seq}} of {{alice.id}}'),
        expectStep('bob', pushOf('second 1 of alice'), { save: 'p2' }),
        step({ kind: 'read', actor: 'bob', conv: '{{m1.convId}}', seq: '{{bob.last.stamp.seq}}', expect: { readSeq: 2, unread: 0 } }),
        step({ kind: 'history', actor: 'alice', conv: '{{p2.stamp.convId}}', expect: { messages: { $len: 2 }, hasMore: false }, save: 'h' }),
        step({ kind: 'sync', actor: 'bob', since: 0, all: true, expect: { messages: [{ content: { text: 'first' } }, { content: { text: '{{h.messages.1.content.text}}' } }] } }),
      ],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });

  it('uuid and random.int are deterministic in the seed', async () => {
    const s = () =>
      scenario({
        users: [user('alice'), user('bob')],
        setup: friends,
        steps: [send('alice', 'bob', '{{uuid}} {{random.int(1, 1000)}}', { save: 'm' }), expectStep('bob', { cmd: 'PUSH' }, { save: 'p' })],
      });
    const texts = async (seed: number) => {
      const r = await run(s(), { seed });
      expect(r.passed, why(r)).toBe(true);
      const bob = r.transcripts.find((t) => t.actor === 'bob@default');
      return (bob?.frames.find((f) => f.frame.header.cmd === CmdType.PUSH)?.frame as unknown as { content: { text: string } }).content.text;
    };
    const [a, b, c] = [await texts(7), await texts(7), await texts(8)];
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} \d+$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});

describe('runScenario: repeat and parallel', () => {
  it('repeat runs its body per index and per user with the loop variable', async () => {
    const s = scenario({
      users: [user('alice'), user('bob'), user('carol')],
      setup: { friends: [['alice', 'bob'], ['alice', 'carol']] },
      steps: [
        repeat({ times: 3, as: 'i', steps: [send('alice', 'bob', 'm{{i}}')] }),
        expectSeq('bob', [pushOf('m0'), pushOf('m1'), pushOf('m2')]),
        repeat({ forEach: ['bob', 'carol'], as: 'u', steps: [send('alice', '{{u}}', 'hello {{u}}'), expectStep('{{u}}', pushOf('hello {{u}}'))] }),
        repeat({ forEach: 'users', as: 'u', steps: [step({ kind: 'ping', actors: ['{{u}}'] })] }),
      ],
    });
    const events: StepEvent[] = [];
    const result = await run(s, { onStep: (e) => events.push(e) });
    expect(result.passed, why(result)).toBe(true);
    expect(events.filter((e) => e.kind === 'ping' && e.status === 'pass')).toHaveLength(3);
  });

  it('parallel branches meet at a barrier', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      strictInbox: true,
      steps: [
        parallel(
          [send('alice', 'bob', 'a1'), barrier('x'), expectStep('alice', pushOf('b1'))],
          [expectStep('bob', pushOf('a1')), barrier('x'), send('bob', 'alice', 'b1')],
        ),
        repeat({
          times: 2,
          as: 'i',
          steps: [parallel([send('alice', 'bob', 'r{{i}}'), barrier('y')], [barrier('y'), expectStep('bob', pushOf('r{{i}}'))])],
        }),
      ],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });

  it('a failing branch aborts the others (a barrier they wait at does not hold the run)', async () => {
    const failing = expectStep('bob', pushOf('never'), { timeoutMs: 100 });
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup: friends,
      steps: [parallel([failing, barrier('x')], [barrier('x', 60_000)], [barrier('x', 60_000)])],
    });
    const result = await run(s);
    expect(result.failure?.source).toEqual(failing.source);
  });
});

describe('runScenario: thresholds', () => {
  const base = () => ({ users: [user('alice'), user('bob')], setup: friends, steps: [send('alice', 'bob', 'x'), expectStep('bob', pushOf('x'))] });
  const t = (metric: 'lost' | 'duplicates' | 'delivery_ms.p99' | 'violations', op: '<' | '==' | '>=' | '>', value: number) =>
    ({ source: { file: 'f', line: 99, text: `${metric} ${op} ${value}` }, metric, op, value }) as const;

  it('passes when every threshold holds', async () => {
    const result = await run(scenario({ ...base(), thresholds: [t('lost', '==', 0), t('duplicates', '==', 0), t('delivery_ms.p99', '>=', 0), t('violations', '==', 0)] }));
    expect(result.passed, why(result)).toBe(true);
    expect(result.thresholds.map((r) => r.passed)).toEqual([true, true, true, true]);
    expect(result.delivery.count).toBe(1);
  });

  it('fails when one does not, reporting the actual value', async () => {
    const result = await run(scenario({ ...base(), thresholds: [t('lost', '==', 0), t('duplicates', '>', 0)] }));
    expect(result.passed).toBe(false);
    expect(result.failure).toBeUndefined();
    expect(result.thresholds.map((r) => [r.passed, r.actual])).toEqual([
      [true, 0],
      [false, 0],
    ]);
  });
});
