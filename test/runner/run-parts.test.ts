import { describe, expect, it } from 'vitest';
import { ConvType } from '../../src/protocol/codes.js';
import { diff } from '../../src/runner/diff.js';
import { summarize } from '../../src/runner/latency.js';
import { compare, frameMatcher, matches } from '../../src/runner/match.js';
import { Membership } from '../../src/runner/membership.js';
import { IdMap } from '../../src/runner/steps/ids.js';
import { Scope, TemplateEngine, type TemplateHost } from '../../src/runner/template.js';
import { run, scenario, send, user } from './run-builders.js';

const push = {
  header: { version: 1, cmd: 20 },
  route: { convType: 1, msgType: 1, from: 'alice', to: 'bob' },
  content: { text: 'hello world', tags: ['a', 'b'] },
  stamp: { msgId: '385251130973618176', convId: 'single:alice:bob', seq: 3, pts: 7, sendTime: 1 },
};

describe('match', () => {
  it('matches partially, resolving cmd/convType/msgType names case-insensitively', () => {
    expect(matches(push, frameMatcher({ cmd: 'push', route: { convType: 'SINGLE', msgType: 'text' } }))).toBe(true);
    expect(matches(push, frameMatcher({ cmd: 'PUSH', header: { version: 1 } }))).toBe(true);
    expect(matches(push, frameMatcher({ cmd: 'KICK' }))).toBe(false);
    expect(matches({ header: { cmd: 99 }, content: { code: 3001 } }, frameMatcher({ cmd: 'error', content: { code: 'not_friends' } }))).toBe(true);
  });

  it('supports the operators', () => {
    const ok = (m: unknown) => matches(push, frameMatcher(m));
    expect(ok({ stamp: { seq: { $gt: 2, $lte: 3 }, pts: { $gte: 7, $lt: 8 } } })).toBe(true);
    expect(ok({ stamp: { seq: { $gt: 3 } } })).toBe(false);
    expect(ok({ stamp: { msgId: { $gt: '385251130973618175' } } })).toBe(true);
    expect(ok({ stamp: { pts: { $exists: true } }, control: { $exists: false } })).toBe(true);
    expect(ok({ content: { text: { $regex: '^hello' }, tags: { $len: 2 } } })).toBe(true);
    expect(ok({ content: { tags: { $contains: 'b' } } })).toBe(true);
    expect(ok({ content: { tags: { $contains: 'c' } } })).toBe(false);
    expect(ok({ route: { from: { $in: ['carol', 'alice'] }, to: { $ne: 'alice' } } })).toBe(true);
    expect(ok({ cmd: { $in: ['PUSH', 'KICK'] } })).toBe(true);
    expect(ok({ content: { tags: ['a'] } })).toBe(false);
    expect(ok({ stamp: { msgId: 385251130973618176n.toString(), seq: '3' } })).toBe(true);
  });

  it('diffs one line per mismatching field and counts matching leaves', () => {
    const m = frameMatcher({ cmd: 'PUSH', content: { text: 'hi' }, stamp: { seq: 4, extra: { $exists: true } } });
    expect(diff(push, m).split('\n')).toEqual([
      'content.text: expected "hi", got "hello world"',
      'stamp.seq: expected 4, got 3',
      'stamp.extra: expected {"$exists":true}, got nothing (stamp has: msgId, convId, seq, pts, sendTime)',
    ]);
    expect(compare(push, m)).toMatchObject({ total: 4, passed: 1 });
  });

  it('names the field of the closest element when no element satisfies $contains, however long the list', () => {
    const messages = Array.from({ length: 30 }, (_, i) => ({ route: { from: 'alice' }, content: { text: `message number ${i} with some padding` } }));
    messages[17] = { route: { from: 'bob' }, content: { text: 'hi' } };
    const m = { messages: { $contains: { route: { from: 'bob' }, content: { text: 'hello' } } } };

    expect(diff({ messages }, m)).toBe('messages[17].content.text: expected "hello", got "hi" ($contains: no element of messages matches; [17] of 30 comes closest)');
    expect(diff({ messages: [] }, m)).toBe('messages: expected {"$contains":{"route":{"from":"bob"},"content":{"text":"hello"}}}, got [] (the list is empty)');
  });

  it('says what an object holds when a field is not there', () => {
    expect(diff({ data: { memberCount: 2, name: 'team' } }, { data: { count: 2 } })).toBe('data.count: expected 2, got nothing (data has: memberCount, name)');
  });
});

describe('templates', () => {
  const host: TemplateHost = {
    runId: 'r1',
    seed: 1,
    file: 'f.yaml',
    actor: (ref) => (ref === 'alice' ? { id: 'r1-alice', pts: 3 } : undefined),
    convId: (type, names) => (type === 'single' ? `single:${names.join(':')}` : undefined),
    groupId: () => undefined,
  };

  it('keeps the raw value of a whole-string template and interpolates the rest', () => {
    const engine = new TemplateEngine(host);
    engine.saved.set('m1', { seq: 4, list: [{ x: 'y' }] });
    const scope = new Scope().child({ i: 2 });
    expect(engine.resolve({ a: '{{m1.seq}}', b: 'seq {{ m1.seq }} #{{i}}', c: '{{m1.list[0].x}}', d: ['{{alice.pts}}'] }, scope)).toEqual({
      a: 4,
      b: 'seq 4 #2',
      c: 'y',
      d: [3],
    });
    expect(engine.resolve('{{save.m1.seq}} {{run.id}} {{seed}} {{conv.single.a.b}}', scope)).toBe('4 r1 1 single:a:b');
  });

  it('names the unknown variable', () => {
    const engine = new TemplateEngine(host);
    expect(() => engine.resolve('{{bob.id}}', new Scope())).toThrow(/unknown template variable "bob"/);
    expect(() => engine.resolve('{{alice.nope}}', new Scope())).toThrow(/"alice.nope"/);
  });
});

describe('ids against --server', () => {
  it('maps known names in id fields and convIds, re-sorting pairs by real id', () => {
    const ids = new IdMap('zz');
    ids.addUser('bob');
    ids.addUser('alice');
    ids.addGroup('team');
    expect(ids.convId('single:bob:alice')).toBe('single:zz-alice:zz-bob');
    expect(ids.deep({ route: { from: 'alice', to: { $in: ['team', 'other'] } }, content: { text: 'alice', convId: 'group:team' } })).toEqual({
      route: { from: 'zz-alice', to: { $in: ['zz-team', 'other'] } },
      content: { text: 'alice', convId: 'group:zz-team' },
    });
    expect(new IdMap(undefined).deep({ from: 'alice' })).toEqual({ from: 'alice' });
  });
});

describe('membership and latency', () => {
  it('tracks group membership over time', () => {
    const m = new Membership();
    m.created('g', 'group:g', ['a', 'b'], 10);
    m.left('g', 'b', 20);
    m.joined('g', 'b', 30);
    expect([m.isMember('b', 'group:g', 15), m.isMember('b', 'group:g', 25), m.isMember('b', 'group:g', 30)]).toEqual([true, false, true]);
    expect(m.isMember('a', 'single:a:c', 0)).toBe(true);
    expect(m.recipients(ConvType.GROUP, 'a', 'g', 25)).toEqual([]);
    expect(m.recipients(ConvType.GROUP, 'a', 'g', 35)).toEqual(['b']);
  });

  it('summarizes with nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(samples)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(summarize([])).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe('runScenario: infrastructure errors', () => {
  it('returns an error result, without throwing, when the server cannot be reached', async () => {
    const result = await run(scenario({ users: [user('alice')], steps: [send('alice', 'bob', 'x')] }), { servers: ['http://127.0.0.1:9'], defaultTimeoutMs: 2_000 });
    expect(result.passed).toBe(false);
    expect(result.error).toMatch(/^setup: register alice/);
    expect(result.stepsRun).toBe(0);
  });

  it('stops at the caller’s abort signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run(scenario({ users: [user('alice')], steps: [send('alice', 'bob', 'x')] }), { signal: controller.signal });
    expect(result.passed).toBe(false);
    expect(result.error).toMatch(/aborted/);
  });
});
