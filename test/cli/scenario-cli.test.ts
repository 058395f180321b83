import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIm } from '../helpers/cli.js';

let dir: string;

/** Runs `im ARGS` in the temp dir, without the caller's IM_* or colour settings. */
const im = (args: string[], env: Record<string, string> = {}) => runIm(args, { cwd: dir, env, timeoutMs: 30_000 });

const PASSING = `name: direct messages
users:
  alice: {}
  bob: {}
setup:
  friends: [[alice, bob]]
steps:
  - send: { from: alice, to: bob, text: hello }
  - expect: { user: bob, frame: { cmd: PUSH, content: { text: hello } } }
`;

// The expect on line 9 waits for a text that never comes.
const FAILING = `name: a message that never comes
users:
  alice: {}
  bob: {}
setup:
  friends: [[alice, bob]]
steps:
  - send: { from: alice, to: bob, text: hello }
  - expect:
      user: bob
      frame: { cmd: PUSH, content: { text: goodbye } }
    timeout: 300ms
`;

// Line 5 has a typo in the step kind.
const BROKEN = `name: broken
users:
  alice: {}
steps:
  - sned: { from: alice, to: bob, text: hello }
`;

// Three mistakes: an unknown user (4:19), a typo in a key (5:13), a bad duration (6:12).
const MISTAKES = `users:
  alice: {}
steps:
  - ping: [alice, carol]
  - send: { form: alice, to: alice, text: hi }
  - pause: soon
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'im-scenario-cli-'));
  await mkdir(join(dir, 'suite', 'nested'), { recursive: true });
  await mkdir(join(dir, 'broken'));
  await writeFile(join(dir, 'suite', 'dm.yaml'), PASSING);
  await writeFile(join(dir, 'suite', 'nested', 'dm-again.yml'), PASSING.replace('direct messages', 'direct messages again'));
  await writeFile(join(dir, 'suite', 'notes.txt'), 'not a scenario');
  await writeFile(join(dir, 'fail.yaml'), FAILING);
  await writeFile(join(dir, 'broken', 'typo.yaml'), BROKEN);
  await writeFile(join(dir, 'broken', 'mistakes.yaml'), MISTAKES);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('im scenario run', () => {
  it('passes a passing file: exit 0, the seed first, a ✓ line, the final line', async () => {
    const run = await im(['scenario', 'run', 'suite/dm.yaml']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^seed (\d+) \(rerun with --seed \1\)$/);
    expect(run.stdout).toMatch(/✓ suite\/dm\.yaml {2}direct messages {2}\(\d+\.\d s, 2 steps\)/);
    expect(lines.at(-1)).toMatch(/^1 passed, 0 failed \(\d+\.\d s\) · seed \d+$/);
  });

  it('fails a failing file: exit 1 and a failure block naming the step file:line, the diff and the frames received', async () => {
    const run = await im(['scenario', 'run', 'fail.yaml', '--seed', '12345']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('seed 12345 (rerun with --seed 12345)');
    expect(run.stdout).toContain('✗ fail.yaml  a message that never comes');
    expect(run.stdout).toContain('fail.yaml:9');
    expect(run.stdout).toContain('expected "goodbye", got "hello"');
    expect(run.stdout).toMatch(/\+\d\.\d{3}s PUSH single:alice:bob seq 1 pts 1 "hello"/);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^0 passed, 1 failed \(.*\) · seed 12345$/);
  });

  it('refuses a file that does not load before running anything: exit 2 and one line file:line: message', async () => {
    const run = await im(['scenario', 'run', 'broken/typo.yaml', 'suite/dm.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^broken\/typo\.yaml:5:5: .*unknown step kind "sned"/);
    expect(run.stdout).toBe('');
  });

  it('treats bad flags and missing files as usage errors: exit 2 with one im: line naming the problem and the fix', async () => {
    // Commander's own errors are worded by src/cli/main.ts; what counts here is one line naming the flag and the help to read.
    const cases: [args: string[], line: RegExp][] = [
      [['run', '--jobs', '0'], /^im: error: --jobs must be a whole number from 1 to 256, got "0"$/],
      [['run', '--timeout', 'soon'], /^im: error: --timeout must be a duration like 500ms, 5s, 1m; got "soon"$/],
      [['run', '--reporter', 'xml'], /^im: error: .*--reporter.*pretty, json, junit.* \(see im scenario run --help\)$/],
      [['run', '--bogus'], /^im: error: unknown option '?--bogus'?( \(did you mean --bus\?\))? \(see im scenario run --help\)$/],
      [['run', '--seed', '-1'], /^im: error: .*--seed.*$/],
      [['run', '--filter', '/[/'], /^im: error: --filter \/\[\/ is not a valid regular expression \(.*\): fix it, or give plain text to match as it is$/],
      [['run', '--json', '--reporter', 'junit'], /^im: error: .*--json.* cannot be used with .*--reporter.* \(see im scenario run --help\)$/],
      [['run', 'nowhere.yaml'], /^im: error: no such file or directory: nowhere\.yaml \(give scenario files or folders of them, relative to .+\)$/],
      [['run'], /^im: error: no such file or directory: scenarios\/ \(give scenario files or folders of them, relative to .+\)$/],
      [['run', 'suite', '--filter', 'nothing-like-this'], /^im: error: no scenario name or file matches --filter .* \(2 loaded\): loosen the filter, or drop it to run them all$/],
      [['check'], /^im: error: missing required argument '?files'? \(see im scenario check --help\)$/],
      [['check', '--bogus', 'suite'], /^im: error: unknown option '?--bogus'? \(see im scenario check --help\)$/],
      [['bogus'], /^im: error: unknown command '?bogus'? \(see im scenario --help\)$/],
    ];
    for (const [args, line] of cases) {
      const run = await im(['scenario', ...args, ...(args[0] === 'run' && args.length > 1 && !args.includes('nowhere.yaml') && !args.includes('suite') ? ['suite/dm.yaml'] : [])]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr.trimEnd(), args.join(' ')).toMatch(line);
      expect(run.stdout, args.join(' ')).toBe('');
    }
  });

  it('searches directories recursively for *.yaml and *.yml, and --filter keeps matching names or paths', async () => {
    const all = await im(['scenario', 'run', 'suite', '--seed', '1']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('✓ suite/dm.yaml');
    expect(all.stdout).toContain('✓ suite/nested/dm-again.yml');
    expect(all.stdout).toContain('2 passed, 0 failed');

    const filtered = await im(['scenario', 'run', 'suite', 'fail.yaml', '--filter', '/again$/']);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout).toContain('1 passed, 0 failed');
    const none = await im(['scenario', 'run', 'suite', '--filter', 'nothing-like-this']);
    expect(none.code).toBe(2);
  });

  it('stops starting files after the first failure with --bail', async () => {
    const run = await im(['scenario', 'run', 'fail.yaml', 'suite', '--bail', '--jobs', '1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('0 passed, 1 failed, 2 skipped');
  });

  it('writes JUnit to --output and still shows progress on the terminal', async () => {
    const run = await im(['scenario', 'run', 'suite/dm.yaml', 'fail.yaml', '--reporter', 'junit', '--output', 'reports/r.xml', '--seed', '7']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('seed 7 (rerun with --seed 7)');
    expect(run.stdout).toContain('1 passed, 1 failed');
    const xml = await readFile(join(dir, 'reports', 'r.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="im scenarios" tests="2" failures="1"/);
    expect(xml).toContain('<testcase classname="fail.yaml" name="a message that never comes"');
    expect(xml).toMatch(/<failure message="fail\.yaml:9: [^"]*" type="step"><!\[CDATA\[/);
    expect(xml).toMatch(/<system-out><!\[CDATA\[[^\]]*bob@default ← PUSH single:alice:bob seq 1/);
    expect(xml).not.toMatch(/\u001b/);
  });

  it('prints the same JSON document with --json, documented in the help', async () => {
    const run = await im(['scenario', 'run', 'suite/dm.yaml', 'fail.yaml', '--json', '--seed', '99']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { version: number; seed: number; passed: boolean; counts: { passed: number; failed: number }; results: { file: string; headline: string | null }[] };
    expect(report).toMatchObject({ version: 1, seed: 99, passed: false, counts: { passed: 1, failed: 1 } });
    expect(report.results.map((r) => [r.file, r.headline === null])).toEqual([
      ['fail.yaml', false],
      ['suite/dm.yaml', true],
    ]);
    expect(run.stderr).toContain('seed 99 (rerun with --seed 99)');
    const help = await im(['scenario', 'run', '--help']);
    expect(help.stdout).toMatch(/--json\s+the report as one JSON document on stdout \(the\s+same\s+as\s+--reporter\s+json\)/);
  });

  it('prints one JSON document on stdout with --reporter json, the seed on stderr', async () => {
    const run = await im(['scenario', 'run', 'suite/dm.yaml', '--reporter', 'json', '--seed', '99']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { seed: number; passed: boolean; counts: { passed: number }; results: { file: string; transcripts?: unknown }[] };
    expect(report.seed).toBe(99);
    expect(report.passed).toBe(true);
    expect(report.counts.passed).toBe(1);
    expect(report.results[0]?.file).toBe('suite/dm.yaml');
    expect(report.results[0]?.transcripts).toBeUndefined();
    expect(run.stderr).toContain('seed 99 (rerun with --seed 99)');
  });

  it('writes one JSON-lines transcript per scenario per actor with --transcript', async () => {
    const run = await im(['scenario', 'run', 'suite/dm.yaml', '--transcript', 'frames']);
    expect(run.code).toBe(0);
    const files = (await readdir(join(dir, 'frames', 'suite', 'dm'))).sort();
    expect(files).toEqual(['alice@default.jsonl', 'bob@default.jsonl']);
    const lines = (await readFile(join(dir, 'frames', 'suite', 'dm', 'bob@default.jsonl'), 'utf8')).trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as { at: number; dir: string; frame: { header: { cmd: number } } });
    expect(entries.some((e) => e.dir === 'in' && typeof e.at === 'number' && e.frame.header.cmd !== undefined)).toBe(true);
  });

  it('shows help with examples', async () => {
    for (const args of [['scenario', '--help'], ['scenario', 'run', '--help'], ['scenario', 'check', '--help']]) {
      const run = await im(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Examples:\n\s+\$ im scenario/);
    }
  });
});

describe('im scenario check', () => {
  it('prints ok FILE (N steps) for files that load, exit 0', async () => {
    const run = await im(['scenario', 'check', 'suite/dm.yaml', 'fail.yaml']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['ok fail.yaml (2 steps)', 'ok suite/dm.yaml (2 steps)']);
  });

  it('prints the one-line error of a file that does not load, exit 1', async () => {
    const run = await im(['scenario', 'check', 'suite/dm.yaml', 'broken/typo.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ok suite/dm.yaml (2 steps)');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^broken\/typo\.yaml:5:5: /);
  });

  it('prints every error of every file, each at FILE:LINE:COL, exit 1', async () => {
    const run = await im(['scenario', 'check', 'broken', 'suite/dm.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('ok suite/dm.yaml (2 steps)\n');
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'broken/mistakes.yaml:4:19: steps[0].ping[1]: unknown user "carol" (declared: alice)',
      'broken/mistakes.yaml:5:13: steps[1].send: unknown key "form" (did you mean "from"?)',
      'broken/mistakes.yaml:6:12: steps[2].pause: bad duration: write 250ms, 2s, 1m or a number of ms (got "soon")',
      'broken/typo.yaml:5:5: steps[0]: unknown step kind "sned" (did you mean "send"?) (valid: connect, disconnect, reconnect, send, read, sync, history, ping, http, expect, expect_all, expect_seq, expect_none, repeat, parallel, barrier, pause, kill_node, restart_node)',
    ]);
  });

  it('prints one JSON object with --json: every file, its steps or its errors with file, line, col and message', async () => {
    const run = await im(['scenario', 'check', 'broken/mistakes.yaml', 'suite/dm.yaml', '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const errors = [
      { file: 'broken/mistakes.yaml', line: 4, col: 19, message: 'steps[0].ping[1]: unknown user "carol" (declared: alice)' },
      { file: 'broken/mistakes.yaml', line: 5, col: 13, message: 'steps[1].send: unknown key "form" (did you mean "from"?)' },
      { file: 'broken/mistakes.yaml', line: 6, col: 12, message: 'steps[2].pause: bad duration: write 250ms, 2s, 1m or a number of ms (got "soon")' },
    ];
    expect(JSON.parse(run.stdout)).toEqual({
      version: 1,
      ok: false,
      files: [
        { file: 'broken/mistakes.yaml', ok: false, steps: null, errors },
        { file: 'suite/dm.yaml', ok: true, steps: 2, errors: [] },
      ],
      errors,
    });
    const passing = await im(['scenario', 'check', 'suite', '--json']);
    expect(passing.code).toBe(0);
    expect(JSON.parse(passing.stdout)).toMatchObject({ ok: true, errors: [] });
  });
});
