import { readFile, readdir } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/runner/reporters/json.js';
import { ROOT, runIm, type CliRun } from '../helpers/cli.js';

/**
 * test/fixtures/broken/*.yaml: scenario files broken on purpose, one per kind of failure the
 * runner must catch. Each is run through the built CLI, as a person would, and the report must
 * say where (file:line — the fixture marks the line with `# FAILS HERE`), why, and for an
 * expectation the closest frame received with a diff and the actor's last frames.
 */

const DIR = 'test/fixtures/broken';
const MARKER = '# FAILS HERE';
const RUN_TIMEOUT_MS = 60_000;

/** `node bin/im.js ARGS` at the repo root (test/helpers/cli.ts). */
const im = (args: readonly string[]) => runIm(args, { timeoutMs: RUN_TIMEOUT_MS });

const path = (name: string): string => `${DIR}/${name}.yaml`;

/** The 1-based line of the fixture that carries the `# FAILS HERE` marker. */
async function markedLine(name: string): Promise<number> {
  const lines = (await readFile(`${ROOT}${path(name)}`, 'utf8')).split('\n');
  const index = lines.findIndex((l) => l.includes(MARKER));
  if (index < 0) throw new Error(`${path(name)} has no "${MARKER}" line`);
  return index + 1;
}

/** Fixtures whose failure is a step: the reported line must be the marked one. */
const STEP_FAILURES = [
  'expect-timeout',
  'expect-none-sees-frame',
  'expect-seq-out-of-order',
  'expect-all-missing',
  'send-wrong-error',
  'http-wrong-code',
  'unknown-template',
  'read-wrong-unread',
] as const;
/** Step failures that read a device's frames: closest frame, diff, recent frames. */
const EXPECTATIONS = ['expect-timeout', 'expect-none-sees-frame', 'expect-seq-out-of-order', 'expect-all-missing'] as const;
const RUNNABLE = [...STEP_FAILURES, 'strict-inbox-unconsumed', 'threshold-fails'] as const;
const DOES_NOT_LOAD = 'does-not-load';

type Result = JsonReport['results'][number];

describe('test/fixtures/broken through `im scenario run --reporter json`', () => {
  let run: CliRun;
  let report: JsonReport;
  const byName = new Map<string, Result>();

  beforeAll(async () => {
    run = await im(['scenario', 'run', ...RUNNABLE.map(path), '--reporter', 'json', '--jobs', String(RUNNABLE.length)]);
    report = JSON.parse(run.stdout) as JsonReport;
    for (const r of report.results) byName.set(r.file, r);
  }, RUN_TIMEOUT_MS);

  it('covers every fixture in the folder', async () => {
    const files = (await readdir(`${ROOT}${DIR}`)).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
    expect(files).toEqual([...RUNNABLE, DOES_NOT_LOAD].sort());
  });

  it('exits 1, every fixture failed, none skipped', () => {
    expect(run.code, run.stderr).toBe(1);
    expect(report.passed).toBe(false);
    expect(report.counts).toEqual({ total: RUNNABLE.length, passed: 0, failed: RUNNABLE.length, skipped: 0 });
    for (const name of RUNNABLE) {
      const r = byName.get(path(name));
      expect(r, name).toBeDefined();
      expect(r?.passed, name).toBe(false);
      expect(r?.headline, name).toEqual(expect.any(String));
      // A broken scenario is a failing scenario, not a run that could not start.
      expect(r?.error, `${name}: ${r?.error ?? ''}`).toBeUndefined();
    }
  });

  it.each(STEP_FAILURES)('%s: the failing step is reported at its file:line, with a reason', async (name) => {
    const line = await markedLine(name);
    const r = byName.get(path(name))!;
    expect(r.failure, r.headline ?? '').toBeDefined();
    const failure = r.failure!;
    expect(failure.source.file).toBe(path(name));
    expect(failure.source.line).toBe(line);
    expect(failure.source.text).toContain(MARKER);
    expect(failure.reason.trim()).not.toBe('');
    expect(failure.expected.trim()).not.toBe('');
    expect(r.headline).toBe(`${path(name)}:${line}: ${failure.reason}`);
  });

  it.each(EXPECTATIONS)('%s: the closest frame, its diff and the last frames of the actor', (name) => {
    const failure = byName.get(path(name))!.failure!;
    expect(failure.actor).toBe('bob@default');
    expect(failure.closest?.frame.header.cmd).toBe(20);
    expect(failure.closest?.diff.trim()).not.toBe('');
    expect(failure.recent?.length).toBeGreaterThan(0);
    for (const { frame, at } of failure.recent ?? []) {
      expect(frame.header.cmd).toEqual(expect.any(Number));
      expect(at).toEqual(expect.any(Number));
    }
  });

  it('says what differs: the diff and the reason name the field', () => {
    const get = (name: string) => byName.get(path(name))!.failure!;
    expect(get('expect-timeout').closest?.diff).toBe('content.text: expected "goodbye", got "hello"');
    expect(get('expect-timeout').reason).toMatch(/no matching frame within 300 ms/);
    expect(get('expect-all-missing').reason).toMatch(/2 of 3 matchers/);
    expect(get('expect-all-missing').closest?.diff).toMatch(/content\.text: expected "three"/);
    expect(get('expect-none-sees-frame').reason).toMatch(/should not have/);
    expect(get('expect-none-sees-frame').closest?.frame).toMatchObject({ content: { text: 'surprise' } });
    expect(get('expect-seq-out-of-order').reason).toMatch(/out of order/);
    expect(get('send-wrong-error').reason).toMatch(/NOT_FRIENDS/);
    expect(get('send-wrong-error').expected).toMatch(/BLOCKED/);
    expect(get('http-wrong-code').reason).toMatch(/2005 FORBIDDEN/);
    expect(get('http-wrong-code').response).toMatchObject({ code: 2005, body: expect.stringContaining('"code":2005') });
    expect(get('unknown-template').reason).toMatch(/m2/);
    // A template error names the step's actor and shows the step as the expectation.
    expect(get('unknown-template').actor).toBe('bob@default');
    expect(get('unknown-template').expected).toBe(get('unknown-template').source.text);
    expect(get('unknown-template').expected).toContain('{{m2.msgId}}');
    expect(get('read-wrong-unread').reason).toMatch(/unread: expected 0, got 1/);
    expect(get('read-wrong-unread').closest?.frame).toMatchObject({ header: { cmd: 41 }, content: { unread: 1 } });
  });

  it('strict_inbox: the frame left unread is reported, with its actor, at the strict_inbox: line', async () => {
    const line = await markedLine('strict-inbox-unconsumed');
    const r = byName.get(path('strict-inbox-unconsumed'))!;
    expect(r.failure).toBeUndefined();
    expect(r.headline).toBe(`${path('strict-inbox-unconsumed')}:${line}: strict_inbox: 1 frame(s) left unread (bob@default 1)`);
    expect(r.strictInboxSource).toEqual({ file: path('strict-inbox-unconsumed'), line, text: expect.stringContaining('strict_inbox: true') });
    expect(r.unconsumed).toHaveLength(1);
    expect(r.unconsumed[0]?.actor).toBe('bob@default');
    expect(r.unconsumed[0]?.frames.map((f) => f.frame)).toEqual([expect.objectContaining({ content: { text: 'forgotten' } })]);
  });

  it('threshold: the broken gate is reported at its file:line with the actual value', async () => {
    const line = await markedLine('threshold-fails');
    const r = byName.get(path('threshold-fails'))!;
    expect(r.failure).toBeUndefined();
    expect(r.headline).toBe('threshold lost > 0 not met');
    const broken = r.thresholds.filter((t) => !t.passed);
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ actual: 0, threshold: { metric: 'lost', op: '>', value: 0, source: { file: path('threshold-fails'), line } } });
    expect(r.thresholds.find((t) => t.passed)?.threshold.metric).toBe('duplicates');
  });
});

describe('test/fixtures/broken through the default (pretty) reporter', () => {
  it('expect-timeout: the failure block with step, why, expected, closest frame, diff and last frames', async () => {
    const line = await markedLine('expect-timeout');
    const run = await im(['scenario', 'run', path('expect-timeout')]);
    expect(run.code, run.stderr).toBe(1);
    const out = run.stdout;
    expect(out).toContain(`✗ ${path('expect-timeout')}  broken — expect times out on the wrong text`);
    expect(out).toContain(`step  ${path('expect-timeout')}:${line} (bob@default)`);
    expect(out).toContain(`│ expect: { user: bob, frame: { cmd: PUSH, content: { text: goodbye } } }   ${MARKER}`);
    expect(out).toMatch(/why\s+bob@default got no matching frame within 300 ms/);
    // The expectation reads as written (cmd: PUSH), not as the normalised matcher (header.cmd 20).
    expect(out).toMatch(/expected\n\s+\{"cmd":"PUSH","content":\{"text":"goodbye"\}\}\n/);
    expect(out).not.toContain('"header":{"cmd":20}');
    expect(out).toContain('closest frame bob@default received: PUSH single:alice:bob seq 1 pts 1 "hello"');
    expect(out).toContain('content.text: expected "goodbye", got "hello"');
    expect(out).toMatch(/last frame of bob@default\n\s+\+\d+\.\d{3}s PUSH single:alice:bob seq 1 pts 1 "hello"/);
    expect(out).toMatch(/0 passed, 1 failed \(\d+\.\d s\) · seed \d+/);
  });

  it('threshold-fails and strict-inbox-unconsumed: the thresholds and unread sections', async () => {
    const line = await markedLine('threshold-fails');
    const run = await im(['scenario', 'run', path('threshold-fails'), path('strict-inbox-unconsumed')]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`✗ lost > 0\\s+\\(actual 0\\)\\s+${path('threshold-fails')}:${line}`));
    expect(run.stdout).toMatch(/✓ duplicates == 0/);
    expect(run.stdout).toContain(`strict_inbox  ${path('strict-inbox-unconsumed')}:${await markedLine('strict-inbox-unconsumed')}  1 frame(s) left unread (bob@default 1)`);
    expect(run.stdout).toMatch(/unread bob@default: 1 frame\(s\) left with strict_inbox\n\s+\+\d+\.\d{3}s PUSH single:alice:bob seq 2 pts 2 "forgotten"/);
    expect(run.stdout).toMatch(/0 passed, 2 failed/);
  });
});

describe('a fixture that does not load', () => {
  // `  - send: { form: …`: the unknown key starts at column 13.
  const COL = 13;

  it.each([[], ['--reporter', 'json'], ['--json']])('exits 2 with one line FILE:LINE:COL: message (%j)', async (...flags) => {
    const line = await markedLine(DOES_NOT_LOAD);
    const run = await im(['scenario', 'run', path(DOES_NOT_LOAD), ...flags.flat()]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toEqual([`${path(DOES_NOT_LOAD)}:${line}:${COL}: steps[0].send: unknown key "form" (did you mean "from"?)`]);
  });

  it('`im scenario check` reports the same line and column', async () => {
    const line = await markedLine(DOES_NOT_LOAD);
    const run = await im(['scenario', 'check', path(DOES_NOT_LOAD)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${path(DOES_NOT_LOAD)}:${line}:${COL}: steps[0].send: unknown key "form" (did you mean "from"?)\n`);
  });
});
