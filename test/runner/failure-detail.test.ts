import { describe, expect, it } from 'vitest';
import { failureBlock } from '../../src/runner/reporters/failure-format.js';
import { plainTheme } from '../../src/runner/reporters/theme.js';
import { expectStep, group, http, pushOf, run, scenario, send, step, user, why } from './run-builders.js';

/**
 * What a failure says must agree with what it shows: a frame offered as "closest" that matches
 * needs the reason it could not be taken, and an HTTP failure shows what the server answered.
 * Real embedded server (port 0, :memory:), real sockets.
 */

const friends = { friends: [['alice', 'bob']] as [string, string][] };

describe('reconnect and the SYNC it triggers', () => {
  it('keeps the SYNC with save:, so later steps can use what it returned', async () => {
    const s = scenario({
      users: [user('alice'), user('bob', 'phone')],
      setup: friends,
      steps: [
        step({ kind: 'disconnect', actors: ['bob@phone'], mode: 'clean' }),
        send('alice', 'bob', 'while away'),
        step({ kind: 'reconnect', actors: ['bob@phone'], sync: true, save: 'caught' }),
        send('bob@phone', 'alice', 'caught up: {{caught.messages[0].content.text}}, up to pts {{caught.maxPts}}'),
        expectStep('alice', pushOf('caught up: while away, up to pts 1')),
      ],
    });
    const result = await run(s);
    expect(result.passed, why(result)).toBe(true);
  });

  it('an expect for its SYNC_RESP fails saying why the matching frame shown cannot be taken', async () => {
    const waiting = expectStep('bob@phone', { cmd: 'SYNC_RESP' }, { timeoutMs: 200 });
    const s = scenario({
      users: [user('alice'), user('bob', 'phone')],
      setup: friends,
      steps: [step({ kind: 'disconnect', actors: ['bob@phone'], mode: 'clean' }), send('alice', 'bob', 'hi'), step({ kind: 'reconnect', actors: ['bob@phone'], sync: true }), waiting],
    });
    const result = await run(s);
    const failure = result.failure!;

    expect(failure.source).toBe(waiting.source);
    // The closest frame is the reconnect's SYNC_RESP, in the transcript too; the reason must not say there is none.
    expect(failure.closest?.frame.header.cmd).toBe(31);
    expect(failure.closest?.diff).toBe('');
    expect(result.transcripts.find((t) => t.actor === 'bob@phone')?.frames.map((f) => f.frame)).toContainEqual(failure.closest?.frame);
    expect(failure.reason).toBe(
      "bob@phone got no matching frame within 200 ms; the SYNC_RESP that matches is not in the inbox: it answered bob@phone's own SYNC, and replies never enter it (save: on that step keeps the reply)",
    );
    expect(failure.closest?.note).toBe("not in the inbox: it answered bob@phone's own SYNC, and replies never enter it (save: on that step keeps the reply)");
    expect(failureBlock(result, plainTheme).join('\n')).toMatch(/closest frame bob@phone received: SYNC_RESP .*\n\s+not in the inbox: it answered bob@phone's own SYNC/);
  });

  it('an expect for a frame an earlier step took names that step', async () => {
    const first = expectStep('bob', pushOf('hi'));
    const again = expectStep('bob', pushOf('hi'), { timeoutMs: 200 });
    const s = scenario({ users: [user('alice'), user('bob')], setup: friends, steps: [send('alice', 'bob', 'hi'), first, again] });
    const result = await run(s);

    expect(result.failure?.source).toBe(again.source);
    expect(result.failure?.reason).toBe(
      `bob@default got no matching frame within 200 ms; the PUSH that matches is not in the inbox: the step at ${first.source.file}:${first.source.line} already took it`,
    );
  });
});

describe('an HTTP step that fails shows the response', () => {
  const setup = { groups: [group('team', 'alice', ['bob'])] };

  it('names the field under data, what data holds, and the status, code and body', async () => {
    const s = scenario({ users: [user('alice'), user('bob')], setup, steps: [http('bob', 'GET', '/group/info', { query: { groupId: 'team' }, expect: { count: 2 } })] });
    const result = await run(s);
    const failure = result.failure!;

    expect(failure.reason).toBe('data does not match: data.count: expected 2, got nothing (data has: groupId, convId, type, name, owner, memberCount)');
    expect(failure.response).toEqual({ status: 200, code: 0, body: expect.stringContaining('"memberCount":2') });
    const block = failureBlock(result, plainTheme).join('\n');
    expect(block).toMatch(/response HTTP 200 · code 0 \(ok\)\n\s+\{"code":0,"msg":"ok","data":\{"groupId":"team",.*"memberCount":2\}\}/);
  });

  it('names the field of a nested value that differs', async () => {
    const s = scenario({
      users: [user('alice'), user('bob')],
      setup,
      steps: [http('bob', 'GET', '/group/members', { query: { groupId: 'team' }, expect: { members: { $contains: { userId: 'bob', role: 'admin' } } } })],
    });
    const result = await run(s);

    expect(result.failure?.reason).toBe('data does not match: data.members[1].role: expected "admin", got "member" ($contains: no element of data.members matches; [1] of 2 comes closest)');
  });

  it('shows the refusal when the code is not the one expected', async () => {
    const s = scenario({ users: [user('alice'), user('bob'), user('carol')], setup, steps: [http('carol', 'POST', '/group/join', { body: { groupId: 'team' } })] });
    const result = await run(s);

    expect(result.failure?.reason).toMatch(/^got code 2005 FORBIDDEN: .+ \(HTTP \d{3}\)$/);
    expect(result.failure?.response).toEqual({ status: expect.any(Number), code: 2005, body: expect.stringContaining('"code":2005') });
  });
});
