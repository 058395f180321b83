import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/runner/load.js';
import { runScenario } from '../../src/runner/run.js';
import { why } from './run-builders.js';

/** The engine fed by the real loader: scenarios as docs/scenarios.md writes them. */

const options = { defaultTimeoutMs: 5_000, seed: 1, runId: 'loaded' };

describe('runScenario on loaded YAML', () => {
  it('runs the first scenario of docs/scenarios.md, with a reconnect that catches up', async () => {
    const s = parseScenario(
      `
name: a direct message reaches every device of the peer, once
timeout: 2s
strict_inbox: true
users:
  alice: {}
  bob: { devices: [phone, laptop] }
setup:
  friends: [[alice, bob]]
steps:
  - send: { from: alice, to: bob, text: hi }
    save: m1
  - expect: { user: bob@phone, frame: { cmd: PUSH, content: { text: hi }, stamp: { msgId: "{{m1.msgId}}" } } }
  - expect: { user: bob@laptop, frame: { cmd: PUSH, stamp: { msgId: "{{m1.msgId}}", seq: 1 } } }
  - expect_none: { user: bob@phone, frame: { cmd: PUSH }, for: 50ms }
  - disconnect: { user: bob@phone, mode: abrupt }
  - send: { from: alice, to: bob, text: again }
  - expect: { user: bob@laptop, frame: { cmd: PUSH, content: { text: again } } }
  - reconnect: bob@phone
  - sync: { user: bob@phone, since: 0, expect: { messages: { $len: 2 } } }
`,
      'first.yaml',
    );
    const result = await runScenario(s, options);
    expect(result.passed, why(result)).toBe(true);
    expect(result.stepsRun).toBe(9);
  });

  it('runs a load-shaped lobby with parallel branches and thresholds', async () => {
    const s = parseScenario(
      `
name: users chat in a lobby
users: { count: 10, prefix: u }
setup:
  groups:
    - { id: lobby, type: group, owner: u1, members: all }
steps:
  - repeat:
      for_each: users
      steps:
        - send: { from: "{{user}}", type: group, to: lobby, text: "hello from {{user}}" }
  - expect: { user: u1, frame: { cmd: PUSH, content: { text: hello from u10 } } }
  - parallel:
      - - send: { from: u1, type: group, to: lobby, text: a }
        - barrier: sent
        - expect: { user: u1, frame: { cmd: PUSH, content: { text: b } } }
      - - send: { from: u2, type: group, to: lobby, text: b }
        - barrier: sent
thresholds:
  - lost == 0
  - duplicates == 0
  - violations == 0
  - delivery_ms.p99 >= 0
`,
      'lobby.yaml',
    );
    const result = await runScenario(s, options);
    expect(result.passed, why(result)).toBe(true);
    // ten greetings and two parallel messages, each to the nine other members
    expect(result.delivery.count).toBe(10 * 9 + 2 * 9);
  });
});
