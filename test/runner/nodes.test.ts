import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/runner/load.js';
import { RunNodes } from '../../src/runner/nodes.js';
import { run, scenario, step, user } from './run-builders.js';

const three = () => new RunNodes(['http://a:1', 'http://b:2', 'http://c:3']);

describe('RunNodes: which node each device connects to', () => {
  it('spreads devices round-robin in the order given, pinned ones keep their pin and take no turn', () => {
    const homes = three().assign([
      { label: 'alice@default' },
      { label: 'bob@phone', pin: { node: 3, where: 'users.bob.nodes.phone' } },
      { label: 'bob@laptop' },
      { label: 'carol@default' },
      { label: 'dave@default' },
    ]);
    expect(homes).toEqual([0, 2, 1, 2, 0]);
  });

  it('puts every device on the one node when there is one, whatever the pins say', () => {
    const one = new RunNodes(['http://a:1']);
    expect(one.assign([{ label: 'a@x', pin: { node: 3, where: 'users.a.node' } }, { label: 'b@x' }])).toEqual([0, 0]);
    expect(one.several).toBe(false);
  });

  it('refuses a pin past the last node, naming the device, where it was pinned and the range', () => {
    expect(() => three().assign([{ label: 'bob@phone', pin: { node: 4, where: 'users.bob.nodes.phone' } }])).toThrow(
      'bob@phone is pinned to node 4 (users.bob.nodes.phone), but this run has 3 nodes: pin it to 1..3, or give more',
    );
  });

  it('fails a device over to the next live node while its own is down, and back once it is up', () => {
    const nodes = three();
    nodes.markDown(1);
    expect(nodes.pick(1)).toBe(2);
    nodes.markDown(2);
    expect(nodes.pick(1)).toBe(0);
    nodes.markUp(1);
    expect(nodes.pick(1)).toBe(1);
  });
});

describe('pins and node steps in a scenario file', () => {
  it('loads node: and nodes: pins on users, node: on connect/reconnect, kill_node and restart_node', () => {
    const s = parseScenario(
      [
        'users:',
        '  alice: { node: 1 }',
        '  bob: { devices: [phone, laptop], nodes: { laptop: 2 } }',
        'steps:',
        '  - kill_node: 2',
        '  - reconnect: { user: bob@laptop, node: 3 }',
        '  - restart_node: 2',
        '  - connect: { user: bob@laptop, node: 2 }',
      ].join('\n'),
      'pins.yaml',
    );
    expect(s.users.map((u) => [u.name, u.node, u.deviceNodes])).toEqual([
      ['alice', 1, undefined],
      ['bob', undefined, { laptop: 2 }],
    ]);
    expect(s.steps.map((st) => [st.kind, 'node' in st ? st.node : undefined])).toEqual([
      ['kill_node', 2],
      ['reconnect', 3],
      ['restart_node', 2],
      ['connect', 2],
    ]);
  });

  it('refuses a pin for a device the user does not have, and node 0', () => {
    expect(() => parseScenario('users:\n  bob: { devices: [phone], nodes: { laptop: 2 } }\nsteps:\n  - ping: bob\n', 'bad.yaml')).toThrow(/bob has no device "laptop" \(declared: phone\)/);
    expect(() => parseScenario('users:\n  bob: {}\nsteps:\n  - kill_node: 0\n', 'bad.yaml')).toThrow(/kill_node/);
  });

  it('fails kill_node on the embedded server with a line saying the run must start its own nodes', async () => {
    const result = await run(scenario({ users: [user('alice')], steps: [step({ kind: 'kill_node', node: 1 })] }));
    expect(result.passed).toBe(false);
    expect(result.failure?.reason).toMatch(/kill_node needs nodes this run started itself: run with --cluster N --db postgres:\/\/… --bus redis:\/\/…/);
  });
});
