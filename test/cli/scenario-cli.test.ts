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

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'im-scenario-cli-'));
  await mkdir(join(dir, 'suite', 'nested'), { recursive: true });
  await mkdir(join(dir, 'broken'));
  await writeFile(join(dir, 'suite', 'dm.yaml'), PASSING);
  await writeFile(join(dir, 'suite', 'nested', 'dm-again.yml'), PASSING.replace('direct messages', 'direct messages again'));
  await writeFile(join(dir, 'suite', 'notes.txt'), 'not a scenario');
  await writeFile(join(dir, 'fail.yaml'), FAILING);
  await writeFile(join(dir, 'broken', 'typo.yaml'), BROKEN);
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
    expect(run.stderr).toMatch(/^broken\/typo\.yaml:5: .*unknown step kind "sned"/);
    expect(run.stdout).toBe('');
  });

  it('treats bad flags and missing files as usage errors: exit 2 with one line', async () => {
    for (const args of [['--jobs', '0'], ['--timeout', 'soon'], ['--reporter', 'xml'], ['--bogus'], ['--seed', '-1'], ['--filter', '/[/']]) {
      const run = await im(['scenario', 'run', ...args, 'suite/dm.yaml']);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.split('\n')[0], args.join(' ')).toMatch(/error/);
    }
    for (const paths of [['no-such-dir/'], [], ['nowhere.yaml']]) {
      const run = await im(['scenario', 'run', ...paths]);
      expect(run.code, paths.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), paths.join(' ')).toHaveLength(1);
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
    expect(run.stderr).toMatch(/^broken\/typo\.yaml:5: /);
  });
});
