import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/codes.js';
import { parseScenario } from '../../src/runner/load.js';
import { runScenario } from '../../src/runner/run.js';
import { useHarness } from '../helpers/server.js';
import { why } from './run-builders.js';

const h = useHarness();

/**
 * Generated users have no password in the file: with the admin token the runner makes them in
 * one call (POST /system/users) instead of registering each (two scrypt hashes); named users,
 * whose password a file may give and use, are still registered.
 */
describe('scenario set-up with the admin token', () => {
  it('provisions generated users (no password) and registers named ones (their password logs in)', async () => {
    const server = await h.startServer();
    const s = parseScenario(
      `
name: generated and named users
users:
  carol: { password: s3cret }
  carol2: {}
setup:
  friends: [[carol, carol2]]
steps:
  - send: { from: carol, to: carol2, text: hi }
  - expect: { user: carol2, frame: { cmd: PUSH, content: { text: hi } } }
`,
      'named.yaml',
    );
    const named = await runScenario(s, { defaultTimeoutMs: 5_000, seed: 1, runId: 'named', servers: [server.httpUrl], adminToken: server.adminToken });
    expect(named.passed, why(named)).toBe(true);

    const g = parseScenario(
      `
name: generated users
users: { count: 30, prefix: p }
setup:
  groups:
    - { id: lobby, type: group, owner: p1, members: all }
steps:
  - send: { from: p2, type: group, to: lobby, text: hello }
  - expect: { user: p30, frame: { cmd: PUSH, content: { text: hello } } }
`,
      'generated.yaml',
    );
    const generated = await runScenario(g, { defaultTimeoutMs: 5_000, seed: 1, runId: 'gen', servers: [server.httpUrl], adminToken: server.adminToken });
    expect(generated.passed, why(generated)).toBe(true);

    // Against --server every id carries the run id. The generated users exist without a
    // password (a login as them is refused as a wrong one); carol logs in with hers.
    const login = await server.http.login('gen-p30', 'pw-p30').catch((e: unknown) => e);
    expect((login as { code?: number }).code).toBe(ErrorCode.BAD_CREDENTIALS);
    expect((await server.http.login('named-carol', 's3cret')).userId).toBe('named-carol');
  });
});
