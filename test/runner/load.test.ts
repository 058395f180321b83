import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, ScenarioLoadError } from '../../src/runner/load.js';
import { renderScenarioSchema, SCENARIO_SCHEMA_PATH } from '../../src/runner/schema.js';
import type { Step } from '../../src/runner/types.js';

const root = resolve(import.meta.dirname, '../..');
const fixture = (dir: 'valid' | 'invalid', name: string) => `test/fixtures/${dir}/${name}`;

/** The one-line message a file (or a text) fails with. */
async function loadError(file: string): Promise<ScenarioLoadError> {
  const error = await loadScenario(resolve(root, file)).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ScenarioLoadError)) throw new Error(`${file} loaded, or failed with something else: ${String(error)}`);
  return error;
}

function parseError(text: string): string {
  try {
    parseScenario(text, 'inline.yaml');
  } catch (e) {
    if (e instanceof ScenarioLoadError) return e.message;
    throw e;
  }
  throw new Error('parsed without error');
}

describe('a valid scenario file', () => {
  it('parses to typed steps, each with its line and YAML text', async () => {
    const scenario = await loadScenario(resolve(root, fixture('valid', 'every-step.yaml')));

    expect(scenario).toMatchObject({ name: 'every step kind', timeoutMs: 2000, strictInbox: true });
    expect(scenario.steps.map((s) => [s.kind, s.source.line])).toEqual([
      ['send', 18],
      ['expect', 20],
      ['send', 24],
      ['send', 25],
      ['expect_all', 26],
      ['expect_seq', 31],
      ['expect_none', 32],
      ['read', 33],
      ['sync', 34],
      ['history', 35],
      ['ping', 36],
      ['disconnect', 37],
      ['reconnect', 38],
      ['connect', 39],
      ['http', 40],
      ['http', 41],
      ['repeat', 42],
      ['parallel', 46],
      ['pause', 50],
    ]);
    expect(scenario.steps[0]?.source.text).toBe('send: { from: alice, to: bob, text: hi }\nsave: m1');
  });

  it('turns each step into the fields the engine runs, with names resolved and defaults applied', async () => {
    const { steps } = await loadScenario(resolve(root, fixture('valid', 'every-step.yaml')));
    const strip = (s: Step | undefined) => {
      const { source: _source, ...rest } = s ?? ({} as Step);
      return rest;
    };

    expect(strip(steps[0])).toEqual({ kind: 'send', save: 'm1', actor: 'alice@default', convType: 1, msgType: 1, to: 'bob', content: { text: 'hi' } });
    expect(strip(steps[1])).toEqual({
      kind: 'expect',
      timeoutMs: 5000,
      actor: 'bob@phone',
      match: { header: { cmd: 20 }, route: { convType: 1 }, content: { text: 'hi' }, stamp: { msgId: '{{m1.msgId}}' } },
    });
    expect(strip(steps[2])).toEqual({
      kind: 'send',
      actor: 'alice@default',
      convType: 2,
      msgType: 2,
      to: 'team',
      content: { url: 'x' },
      persist: false,
      sync: false,
      clientMsgId: 'c1',
    });
    expect(strip(steps[3])).toMatchObject({ kind: 'send', to: 'carol', expectError: 3001 });
    expect(strip(steps[4])).toEqual({
      kind: 'expect_all',
      actor: 'bob@laptop',
      matches: [
        { header: { cmd: 20 }, route: { msgType: 1 } },
        { header: { cmd: 20 }, route: { convType: { $in: [2, 5] } } },
      ],
    });
    expect(strip(steps[6])).toEqual({ kind: 'expect_none', actor: 'carol@default', match: {}, forMs: 300 });
    expect(strip(steps[7])).toEqual({ kind: 'read', actor: 'bob@phone', conv: '{{m1.convId}}', seq: 1, expect: { unread: 0 } });
    expect(strip(steps[8])).toEqual({ kind: 'sync', actor: 'bob@phone', since: 0, all: true, expect: { maxPts: 1 } });
    expect(strip(steps[9])).toEqual({ kind: 'history', actor: 'alice@default', conv: 'single:alice:bob', beforeSeq: '{{m1.seq}}', limit: 10 });
    expect(strip(steps[10])).toEqual({ kind: 'ping', actors: ['alice@default', 'bob@phone', 'bob@laptop'] });
    expect(strip(steps[11])).toEqual({ kind: 'disconnect', actors: ['bob@phone'], mode: 'abrupt' });
    expect(strip(steps[12])).toEqual({ kind: 'reconnect', actors: ['bob@phone'], sync: true });
    expect(strip(steps[13])).toEqual({ kind: 'connect', actors: ['carol@default'], sync: true });
    expect(strip(steps[14])).toEqual({
      kind: 'http',
      as: 'alice',
      method: 'POST',
      path: '/group/add-members',
      body: { groupId: 'team', members: ['carol'] },
      expectCode: 0,
    });
    expect(strip(steps[15])).toMatchObject({ method: 'GET', path: '/group/info', query: { groupId: 'team' }, expect: { memberCount: 3 } });
    expect(strip(steps[18])).toEqual({ kind: 'pause', ms: 100 });
  });

  it('keeps nested steps typed: repeat bodies and parallel branches, one-step branches included', async () => {
    const { steps } = await loadScenario(resolve(root, fixture('valid', 'every-step.yaml')));
    const repeat = steps[16];
    const parallel = steps[17];

    expect(repeat).toMatchObject({ kind: 'repeat', times: 3, as: 'i', steps: [{ kind: 'send', content: { text: 'm{{i}}' }, source: { line: 45 } }] });
    expect(parallel?.kind === 'parallel' && parallel.branches.map((b) => b.map((s) => [s.kind, s.source.line]))).toEqual([
      [
        ['barrier', 47],
        ['send', 48],
      ],
      [['barrier', 49]],
    ]);
  });

  it('resolves users, devices, setup and thresholds', async () => {
    const scenario = await loadScenario(resolve(root, fixture('valid', 'every-step.yaml')));

    expect(scenario.users).toEqual([
      { name: 'alice', devices: ['default'] },
      { name: 'bob', devices: ['phone', 'laptop'] },
      { name: 'carol', devices: ['default'] },
    ]);
    expect(scenario.setup).toEqual({
      friends: [['alice', 'bob']],
      blocks: [['carol', 'alice']],
      settings: { bob: { allowStrangers: false } },
      groups: [
        { id: 'team', type: 2, name: 'Team', owner: 'alice', members: ['bob', 'carol'], admins: ['bob'], muted: ['carol'] },
        { id: 'lobby', type: 7, name: 'lobby', owner: 'alice', members: [], admins: [], muted: [], policy: 'open' },
      ],
      connect: ['alice', 'bob'],
    });
    expect(scenario.thresholds.map(({ metric, op, value, source }) => [metric, op, value, source.line])).toEqual([
      ['delivery_ms.p99', '<', 250, 52],
      ['lost', '==', 0, 53],
    ]);
  });

  it('fills the defaults of a minimal file', () => {
    const scenario = parseScenario('users: { alice: {} }\nsteps:\n  - ping: alice\n', 'scenarios/minimal.yaml');

    expect(scenario).toEqual({
      file: 'scenarios/minimal.yaml',
      name: 'minimal',
      strictInbox: false,
      users: [{ name: 'alice', devices: ['default'] }],
      setup: { friends: [], blocks: [], settings: {}, groups: [], connect: 'all' },
      steps: [{ kind: 'ping', source: { file: 'scenarios/minimal.yaml', line: 3, text: 'ping: alice' }, actors: ['alice@default'] }],
      thresholds: [],
    });
  });

  it('generates load-shaped users and lets steps repeat for each of them', () => {
    const scenario = parseScenario(
      [
        'users: { count: 200, prefix: u }',
        'setup:',
        '  groups: [{ id: lobby, type: chatroom, owner: u1, members: all }]',
        'steps:',
        '  - repeat:',
        '      for_each: users',
        '      steps: [{ send: { from: "{{user}}", type: chatroom, to: lobby, text: hi } }]',
        '  - expect: { user: u200, frame: { cmd: PUSH } }',
        'thresholds: ["delivery_ms.p99 < 250", "duplicates == 0"]',
      ].join('\n'),
      'load.yaml',
    );

    expect(scenario.users).toEqual([]);
    expect(scenario.generated).toEqual({ count: 200, prefix: 'u', devices: ['default'] });
    expect(scenario.setup.groups[0]?.members).toHaveLength(199);
    expect(scenario.steps[0]).toMatchObject({ kind: 'repeat', forEach: 'users', as: 'user', steps: [{ actor: '{{user}}', convType: 3 }] });
    expect(scenario.steps[1]).toMatchObject({ actor: 'u200@default' });
  });

  it('accepts names in any case, and numbers, wherever the protocol has a code', () => {
    const scenario = parseScenario(
      [
        'users: { alice: {}, bob: {} }',
        'steps:',
        '  - send: { from: alice, to: bob, type: STRANGER_CHAT, msg_type: Typing }',
        '  - expect: { user: alice, frame: { cmd: error, content: { code: not_friends } } }',
        '  - expect: { user: bob, frame: { header: { cmd: Read_Notify }, route: { msgType: 7 } } }',
        '  - sync: { user: bob, expect: { messages: { $contains: { route: { convType: { $ne: system } } } } } }',
        '  - expect: { user: bob, frame: { stamp: { seq: { $gte: 1, $lte: 5 } } } }',
      ].join('\n'),
      'names.yaml',
    );

    expect(scenario.steps[0]).toMatchObject({ convType: 8, msgType: 20, content: {} });
    expect(scenario.steps[1]).toMatchObject({ match: { header: { cmd: 99 }, content: { code: 3001 } } });
    expect(scenario.steps[2]).toMatchObject({ match: { header: { cmd: 42 }, route: { msgType: 7 } } });
    expect(scenario.steps[3]).toMatchObject({ since: 'last', expect: { messages: { $contains: { route: { convType: { $ne: 6 } } } } } });
    expect(scenario.steps[4]).toMatchObject({ match: { stamp: { seq: { $gte: 1, $lte: 5 } } } });
  });
});

describe('an invalid scenario file fails with one line naming file:line:col', () => {
  const cases: [file: string, at: string | undefined, message: string][] = [
    ['unknown-key.yaml', '6:13', 'steps[1].send: unknown key "form" (did you mean "from"?)'],
    ['unknown-user.yaml', '5:19', 'steps[0].send.from: unknown user "alise" (did you mean "alice"?)'],
    ['unknown-user-in-setup.yaml', '7:15', 'setup.friends[1][1]: unknown user "dave" (declared: alice, bob)'],
    ['bad-duration.yaml', '4:12', 'steps[1].pause: bad duration: write 250ms, 2s, 1m or a number of ms (got "2 sec")'],
    [
      'unknown-step-kind.yaml',
      '4:5',
      'steps[1]: unknown step kind "sned" (did you mean "send"?) (valid: connect, disconnect, reconnect, send, read, sync, history, ping, http, expect, expect_all, expect_seq, expect_none, repeat, parallel, barrier, pause, kill_node, restart_node)',
    ],
    ['undeclared-device.yaml', '5:25', 'steps[0].disconnect.user: bob has no device "tablet" (declared: phone, laptop)'],
    ['ambiguous-device.yaml', '6:21', 'steps[1].expect.user: bob has 2 devices (phone, laptop): say which, e.g. bob@phone'],
    ['yaml-syntax.yaml', '4:11', 'YAML: Flow map in block collection must be sufficiently indented and end with a }'],
    ['duplicate-key.yaml', '6:7', 'YAML: Map keys must be unique'],
    ['unknown-conv-type.yaml', '6:32', 'steps[0].send.type: unknown conversation type "grop" (did you mean "group"?)'],
    ['unknown-cmd-in-matcher.yaml', '6:14', 'steps[0].expect.frame.cmd: unknown command "PUSHH" (did you mean "PUSH"?)'],
    ['unknown-operator.yaml', '7:23', 'steps[0].expect.frame.stamp.seq: unknown operator "$gtt" (did you mean "$gt"?)'],
    ['unknown-error-name.yaml', '3:61', 'steps[0].send.expect_error: unknown error "NOT_FRIEND" (did you mean "NOT_FRIENDS"?)'],
    ['barrier-outside-parallel.yaml', '3:14', 'steps[0].barrier: only means something inside a parallel branch'],
    ['bad-threshold.yaml', '6:5', 'thresholds[1]: unknown metric "lots" (did you mean "lost"?)'],
    ['two-kinds.yaml', '3:5', 'steps[0]: one step per list item: found send and expect (start the second with its own "- ")'],
    ['save-on-ping.yaml', '4:5', 'steps[0]: save: does not apply to ping (only to connect, reconnect, send, read, sync, history, http, expect, expect_all, expect_seq)'],
    ['timeout-inside-body.yaml', '6:7', 'steps[0].expect: put timeout: at the step level, next to expect:, not inside it'],
    ['nested-error.yaml', '7:54', 'steps[0].repeat.steps[1].expect: unknown key "within" (expected one of: user, frame, close_code)'],
    ['missing-key.yaml', '3:5', 'steps[0].expect: missing "frame"'],
    ['wrong-type.yaml', '3:11', 'steps[0].ping: expected string or a list, got number 3'],
    ['http-path.yaml', '3:30', 'steps[0].http.post: unknown value "/group/add-member" (did you mean "/group/add-members"?)'],
    ['bad-group-type.yaml', '4:23', 'setup.groups[0].type: "single" is not a group type (group, chatroom, channel, mgroup, custom)'],
    ['empty.yaml', undefined, 'the file is empty: a scenario needs at least users: and steps:'],
  ];

  it.each(cases)('%s', async (name, at, message) => {
    const file = resolve(root, fixture('invalid', name));
    const error = await loadError(fixture('invalid', name));

    expect({ file: error.file, at: error.line === undefined ? undefined : `${error.line}:${error.col}` }).toEqual({ file, at });
    expect(error.message).toBe(`${file}${at === undefined ? '' : `:${at}`}: ${message}`);
    expect(error.message).not.toContain('\n');
  });

  it('covers every fixture in test/fixtures/invalid', async () => {
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(resolve(root, 'test/fixtures/invalid')).sort()).toEqual(cases.map(([f]) => f).sort());
  });

  it('names a file it cannot read', async () => {
    const error = await loadError('test/fixtures/invalid/no-such-file.yaml');

    expect(error.line).toBeUndefined();
    expect(error.message).toMatch(/no-such-file\.yaml: cannot read the file \(ENOENT\)$/);
  });

  it.each([
    ['a user name that is reserved', 'users: { admin: {} }\nsteps: [{ ping: admin }]', 'inline.yaml:1:17: users.admin: "admin" is reserved; pick another user name'],
    ['text and content together', 'users: { a: {}, b: {} }\nsteps:\n  - send: { from: a, to: b, text: x, content: { text: y } }', 'inline.yaml:3:35: steps[0].send.text: give text: or content:, not both'],
    ['http with neither get nor post', 'users: { a: {} }\nsteps:\n  - http: { as: a }', 'inline.yaml:3:11: steps[0].http: give exactly one of get: or post: (the path)'],
    ['repeat with neither times nor for_each', 'users: { a: {} }\nsteps:\n  - repeat: { steps: [{ ping: a }] }', 'inline.yaml:3:13: steps[0].repeat: give exactly one of times: or for_each:'],
    ['a generated user out of range', 'users: { count: 5, prefix: u }\nsteps:\n  - ping: u6', 'inline.yaml:3:11: steps[0].ping: unknown user "u6" (users are u1..u5)'],
    ['a device on a user without devices', 'users: { a: {} }\nsteps:\n  - ping: a@phone', 'inline.yaml:3:11: steps[0].ping: a has no device "phone": a declares none (add devices: [phone])'],
    ['an operator mixed with plain keys', 'users: { a: {} }\nsteps:\n  - expect: { user: a, frame: { stamp: { seq: { $gt: 1, pts: 5 } } } }', 'inline.yaml:3:47: steps[0].expect.frame.stamp.seq: operators cannot share a map with plain keys: "pts" next to $gt'],
    ['a bad regex', 'users: { a: {} }\nsteps:\n  - expect: { user: a, frame: { content: { text: { $regex: "(" } } } }', 'inline.yaml:3:60: steps[0].expect.frame.content.text.$regex: bad regular expression: Invalid regular expression: /(/: Unterminated group'],
    ['a save named like a user', 'users: { a: {}, b: {} }\nsteps:\n  - send: { from: a, to: b, text: x }\n    save: b', 'inline.yaml:4:11: steps[0].save: "b" is a user name; pick another'],
    ['a scalar step', 'users: { a: {} }\nsteps:\n  - ping', 'inline.yaml:3:5: steps[0]: a step is a map with one kind key, e.g. `- send: { from: alice, to: bob, text: hi }`'],
    ['an unknown top-level key', 'users: { a: {} }\nstep:\n  - ping: a', 'inline.yaml:2:1: unknown key "step" (did you mean "steps"?)'],
    ['a timeout on a pause', 'users: { a: {} }\nsteps:\n  - pause: 1s\n    timeout: 2s', 'inline.yaml:4:5: steps[0]: timeout: does not apply to pause (pause: is itself a duration)'],
  ])('%s', (_what, text, message) => {
    expect(parseError(text)).toBe(message);
  });
});

describe('every error of a file, each at its line:col', () => {
  /** Every error of `text`, as `line:col reason`, in file order. */
  function allErrors(text: string): string[] {
    try {
      parseScenario(text, 'inline.yaml');
    } catch (e) {
      if (e instanceof ScenarioLoadError) return e.errors.map((x) => `${x.line}:${x.col} ${x.reason}`);
      throw e;
    }
    throw new Error('parsed without error');
  }

  it('reports a mistake in every part of the file, not only the first', () => {
    const text = [
      'name: several mistakes',
      'users: { alice: {}, bob: { devices: [phone, laptop] } }',
      'setup:',
      '  friends: [[alice, dave]]',
      'colour: red',
      'steps:',
      '  - send: { form: alice, to: bob, text: hi }',
      '  - expect: { user: bob@phone, frame: { cmd: PUSH } }',
      '  - ping: carol',
      '  - repeat:',
      '      times: 2',
      '      steps:',
      '        - pause: soon',
      'thresholds:',
      '  - lots == 0',
    ].join('\n');

    expect(allErrors(text)).toEqual([
      '4:21 setup.friends[0][1]: unknown user "dave" (declared: alice, bob)',
      '5:1 unknown key "colour" (expected one of: name, description, timeout, strict_inbox, server, users, setup, steps, thresholds)',
      '7:13 steps[0].send: unknown key "form" (did you mean "from"?)',
      '9:11 steps[2].ping: unknown user "carol" (declared: alice, bob)',
      '13:18 steps[3].repeat.steps[0].pause: bad duration: write 250ms, 2s, 1m or a number of ms (got "soon")',
      '15:5 thresholds[0]: unknown metric "lots" (did you mean "lost"?)',
    ]);
  });

  it('reports every unknown key of one step, and the first error is the thrown message', () => {
    const text = 'users: { a: {}, b: {} }\nsteps:\n  - send: { form: a, too: b, text: hi }';
    let error: unknown;
    try {
      parseScenario(text, 'inline.yaml');
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ScenarioLoadError);
    expect((error as ScenarioLoadError).message).toBe('inline.yaml:3:13: steps[0].send: unknown key "form" (did you mean "from"?)');
    expect(allErrors(text)).toEqual(['3:13 steps[0].send: unknown key "form" (did you mean "from"?)', '3:22 steps[0].send: unknown key "too" (did you mean "to"?)']);
  });

  it('puts a YAML syntax error where the unclosed bracket or quote opens, not on the next line', () => {
    const quote = 'users: { a: {} }\nsteps:\n  - send: { from: a, to: a, text: "hi }\n  - ping: a\n';
    const sequence = 'users: { a: {} }\nsteps: [\n  { ping: a }';
    const map = 'users: { a: {} }\nsteps:\n  - send: { from: a, to: a, text: hi\n  - ping: a\n';

    expect(allErrors(quote)).toEqual([
      '3:11 YAML: Flow map in block collection must be sufficiently indented and end with a }',
      '3:35 YAML: Missing closing "quote',
    ]);
    expect(allErrors(sequence)).toEqual(['2:8 YAML: Flow sequence in block collection must be sufficiently indented and end with a ]']);
    expect(allErrors(map)).toEqual(['3:11 YAML: Flow map in block collection must be sufficiently indented and end with a }']);
  });

  it('keeps the parser position for YAML errors that are where it says', () => {
    expect(allErrors('users: { a: {} }\nsteps:\n  - ping: a\n   - ping: a\n')).toEqual(['4:4 YAML: All sequence items must start at the same column']);
  });
});

describe('save: on connect and reconnect', () => {
  const CAST = 'users: { alice: {}, bob: { devices: [phone, laptop] } }\nsteps:\n';

  it('is allowed on one device that SYNCs', () => {
    const scenario = parseScenario(`${CAST}  - reconnect: bob@phone\n    save: s1\n  - connect: { user: alice, sync: true }\n    save: s2\n`, 'inline.yaml');

    expect(scenario.steps.map((s) => [s.kind, s.save])).toEqual([
      ['reconnect', 's1'],
      ['connect', 's2'],
    ]);
  });

  it.each([
    ['a reconnect without its SYNC', '  - reconnect: { user: bob@phone, sync: false }\n    save: s1', "inline.yaml:4:5: steps[0]: save: keeps what the reconnect's SYNC returned, but this reconnect does not SYNC: remove sync: false, or drop save:"],
    ['a connect without sync: true', '  - connect: alice\n    save: s1', "inline.yaml:4:5: steps[0]: save: keeps what the connect's SYNC returned, but this connect does not SYNC: add sync: true, or drop save:"],
    ['several devices', '  - reconnect: bob\n    save: s1', 'inline.yaml:4:5: steps[0]: save: keeps the SYNC of one device, but this reconnect opens bob@phone, bob@laptop: name one device, e.g. bob@phone'],
  ])('is refused on %s', (_what, step, message) => {
    expect(parseError(`${CAST}${step}\n`)).toBe(message);
  });
});

describe('the JSON Schema for editors', () => {
  it('is committed exactly as generated from the zod surface (npm run schema)', () => {
    const committed = readFileSync(resolve(root, SCENARIO_SCHEMA_PATH), 'utf8');

    expect(committed).toBe(renderScenarioSchema());
  });

  it('offers every step kind and the top-level keys', () => {
    const schema = JSON.parse(renderScenarioSchema()) as { properties: Record<string, unknown>; definitions: { Step: { anyOf: { required: string[] }[] } } };

    expect(Object.keys(schema.properties)).toEqual(['name', 'description', 'timeout', 'strict_inbox', 'server', 'users', 'setup', 'steps', 'thresholds']);
    expect(schema.definitions.Step.anyOf.map((s) => s.required[0])).toContain('expect_none');
    expect(schema.definitions.Step.anyOf).toHaveLength(19);
  });
});

describe('docs/scenarios.md', () => {
  /** The cast every snippet of the doc is written against. */
  const CAST = [
    'users: { alice: {}, bob: { devices: [phone, laptop] }, carol: {}, dave: {} }',
    'setup:',
    '  groups:',
    '    - { id: team, type: group, owner: alice }',
    '    - { id: hall, type: chatroom, owner: alice }',
  ].join('\n');

  /** A yaml block as a whole file: step lists get the cast, partial files get what they lack. */
  function asScenario(block: string): string {
    if (block.startsWith('  - ')) return `${CAST}\nsteps:\n${block}`;
    const users = /^users:/m.test(block) ? '' : 'users: { alice: {}, bob: {}, carol: {}, dave: {} }\n';
    const steps = /^steps:/m.test(block) ? '' : '\nsteps: [{ ping: alice }]\n';
    return `${users}${block}${steps}`;
  }

  it('shows only snippets that load', () => {
    const doc = readFileSync(resolve(root, 'docs/scenarios.md'), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

    expect(blocks.length).toBeGreaterThan(10);
    for (const block of blocks) {
      expect(() => parseScenario(asScenario(block), 'docs/scenarios.md'), block).not.toThrow();
    }
  });
});
