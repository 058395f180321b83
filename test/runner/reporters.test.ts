import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { CmdType, ConvType, MsgType } from '../../src/protocol/codes.js';
import type { PushFrame, ServerFrame } from '../../src/protocol/frames.js';
import { failureBlock, frameLine, scenarioLine } from '../../src/runner/reporters/failure-format.js';
import { fanOut, REPORTERS } from '../../src/runner/reporters/index.js';
import type { Reporter, RunEndInfo, RunStartInfo, TextSink } from '../../src/runner/reporters/reporter-types.js';
import { plainTheme } from '../../src/runner/reporters/theme.js';
import { cdata, junitXml } from '../../src/runner/reporters/junit.js';
import type { JsonReport } from '../../src/runner/reporters/json.js';
import { LiveRunStore } from '../../src/runner/reporters/live-run-store.js';
import { LiveView } from '../../src/runner/reporters/live-view.js';
import type { ScenarioResult } from '../../src/runner/types.js';

// ---- hand-made results -------------------------------------------------------------------

function push(seq: number, pts: number, text: string, from = 'alice', convId = 'single:alice:bob'): PushFrame {
  return {
    header: { version: 1, cmd: CmdType.PUSH },
    route: { convType: ConvType.SINGLE, msgType: MsgType.TEXT, from, to: 'bob' },
    content: { text },
    control: {},
    options: {},
    stamp: { msgId: `m${seq}`, convId, seq, pts, sendTime: 1_700_000_000_000 + seq },
  };
}

function result(overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    file: 'scenarios/dm.yaml',
    name: 'direct messages',
    passed: true,
    durationMs: 400,
    violations: [],
    unconsumed: [],
    delivery: { count: 12, p50: 3, p95: 8, p99: 12, max: 14 },
    lost: 0,
    duplicates: 0,
    thresholds: [],
    transcripts: [{ actor: 'bob@default', frames: [{ at: 123, frame: push(3, 7, 'hello') }], sent: [] }],
    stepsRun: 12,
    ...overrides,
  };
}

const failed = result({
  file: 'scenarios/group.yaml',
  name: 'group <fan-out> & "quotes"',
  passed: false,
  durationMs: 1234,
  stepsRun: 5,
  failure: {
    source: { file: 'scenarios/group.yaml', line: 23, text: '- bob.expect: {cmd: PUSH, content: {text: "hi ]]> there"}}' },
    expected: '{"cmd":"PUSH","content":{"text":"hi ]]> there"}}',
    reason: 'no matching frame within 2s',
    actor: 'bob@default',
    closest: { frame: push(3, 7, 'hello'), diff: 'content.text: expected "hi ]]> there", got "hello"' },
    recent: [
      { at: 100, frame: push(2, 6, 'earlier') },
      { at: 123, frame: push(3, 7, 'hello') },
    ],
  },
  violations: [{ rule: 'pts-gap', user: 'bob', device: 'default', convId: 'single:alice:bob', message: 'pts 7 then 9' }],
  thresholds: [
    {
      threshold: { source: { file: 'scenarios/group.yaml', line: 40, text: 'delivery_ms.p99 < 250' }, metric: 'delivery_ms.p99', op: '<', value: 250 },
      actual: 12,
      passed: true,
    },
    { threshold: { source: { file: 'scenarios/group.yaml', line: 41, text: 'lost == 0' }, metric: 'lost', op: '==', value: 0 }, actual: 1, passed: false },
  ],
  lost: 1,
});

const START: RunStartInfo = {
  files: ['scenarios/dm.yaml', 'scenarios/group.yaml'],
  scenarios: [
    { file: 'scenarios/dm.yaml', name: 'direct messages' },
    { file: 'scenarios/group.yaml', name: 'group <fan-out> & "quotes"' },
  ],
  seed: 12345,
  jobs: 2,
  runId: 'rabc123',
};

function summary(results: ScenarioResult[], extra: Partial<RunEndInfo> = {}): RunEndInfo {
  return { seed: 12345, results, passed: results.every((r) => r.passed), durationMs: 1600, skipped: [], interrupted: false, transcriptFiles: {}, ...extra };
}

function sink(): TextSink & { text: () => string } {
  let text = '';
  return { write: (chunk) => void (text += chunk), text: () => text };
}

/** Drives a reporter through a whole run, scenarios ending in the given order. */
async function drive(reporter: Reporter, results: ScenarioResult[], end = summary(results)): Promise<void> {
  await reporter.onRunStart?.(START);
  for (const r of results) await reporter.onScenarioStart?.(r.file, r.name);
  for (const r of results) await reporter.onScenarioEnd?.(r);
  await reporter.onRunEnd?.(end);
}

// ---- pretty (plain) ------------------------------------------------------------------------

describe('pretty reporter without a terminal', () => {
  it('prints the seed first, one line per finished scenario, and the final line last', async () => {
    const out = sink();
    const ok = result();
    await drive(await REPORTERS.pretty({ out, theme: plainTheme, transcripts: false }), [ok]);
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toBe('seed 12345 (rerun with --seed 12345)');
    expect(lines).toContain('✓ scenarios/dm.yaml  direct messages  (0.4 s, 12 steps)');
    expect(lines.at(-1)).toBe('1 passed, 0 failed (1.6 s) · seed 12345');
  });

  it('follows the lines with a failure block naming the step, its file:line, the diff and recent frames', async () => {
    const out = sink();
    await drive(await REPORTERS.pretty({ out, theme: plainTheme, transcripts: false }), [failed, result()], summary([result(), failed]));
    const text = out.text();
    expect(text).toContain('✗ scenarios/group.yaml  group <fan-out> & "quotes"  (1.2 s, 5 steps)');
    expect(text).toContain('scenarios/group.yaml:23 (bob@default)');
    expect(text).toContain('no matching frame within 2s');
    expect(text).toContain('content.text: expected "hi ]]> there", got "hello"');
    expect(text).toContain('+0.123s PUSH single:alice:bob seq 3 pts 7 "hello"');
    expect(text).toContain('pts-gap  bob@default  single:alice:bob  pts 7 then 9');
    expect(text).toMatch(/✗ lost == 0 {2}\(actual 1\) {2}scenarios\/group\.yaml:41/);
    expect(text).toContain('p50 3 ms · p95 8 ms · p99 12 ms · max 14 ms');
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed (1.6 s) · seed 12345');
  });

  it('names the run id when the run targets a shared server, and counts files --bail skipped', async () => {
    const out = sink();
    const reporter = await REPORTERS.pretty({ out, theme: plainTheme, transcripts: false });
    await reporter.onRunStart?.({ ...START, server: 'http://127.0.0.1:7700' });
    await reporter.onRunEnd?.(summary([failed], { skipped: [{ file: 'scenarios/z.yaml', name: 'z' }] }));
    expect(out.text()).toContain('run id rabc123');
    expect(out.text()).toContain('0 passed, 1 failed, 1 skipped');
  });
});

describe('failure format', () => {
  it('summarizes a PUSH as conv, seq, pts and text, naming the sender only when the conv id does not', () => {
    expect(frameLine(push(3, 7, 'hello'))).toBe('PUSH single:alice:bob seq 3 pts 7 "hello"');
    expect(frameLine(push(1, 2, 'yo', 'carol', 'group:g1'))).toBe('PUSH group:g1 from carol seq 1 pts 2 "yo"');
    const error = { header: { version: 1, cmd: CmdType.ERROR }, content: { code: 2001, message: 'nope' } } as ServerFrame;
    expect(frameLine(error)).toMatch(/^ERROR /);
  });

  it('explains a scenario that failed without a failing step: the engine error, then delivery numbers', () => {
    const block = failureBlock(result({ passed: false, error: 'server did not start' }), plainTheme);
    expect(block[0]).toBe('✗ scenarios/dm.yaml  direct messages');
    expect(block.join('\n')).toContain('error server did not start');
    expect(block.at(-1)).toContain('delivery');
  });

  it('says when the end of the run waited for pushes in flight before judging lost, and for how long', () => {
    expect(scenarioLine(result(), plainTheme)).toBe('✓ scenarios/dm.yaml  direct messages  (0.4 s, 12 steps)');
    expect(scenarioLine(result({ drainMs: 1250 }), plainTheme)).toBe('✓ scenarios/dm.yaml  direct messages  (0.4 s, 12 steps, 1.3 s of it waiting for pushes in flight before judging lost)');
  });

  it('uses no escape codes with the plain theme', () => {
    expect(failureBlock(failed, plainTheme).join('\n')).not.toMatch(/\u001b\[/);
    expect(scenarioLine(failed, plainTheme)).not.toMatch(/\u001b\[/);
  });
});

// ---- json ----------------------------------------------------------------------------------

describe('json reporter', () => {
  it('writes one parseable document with counts and results sorted as given, without transcripts by default', async () => {
    const out = sink();
    await drive(await REPORTERS.json({ out, theme: plainTheme, transcripts: false }), [failed, result()], summary([result(), failed]));
    const report = JSON.parse(out.text()) as JsonReport;
    expect(report.seed).toBe(12345);
    expect(report.runId).toBe('rabc123');
    expect(report.passed).toBe(false);
    expect(report.counts).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0 });
    expect(report.results.map((r) => r.file)).toEqual(['scenarios/dm.yaml', 'scenarios/group.yaml']);
    expect(report.results[1]?.headline).toBe('scenarios/group.yaml:23: no matching frame within 2s');
    expect(report.results[1]?.failure?.source.line).toBe(23);
    expect(report.results.every((r) => r.transcripts === undefined)).toBe(true);
  });

  it('includes transcripts and their files with --transcript', async () => {
    const out = sink();
    const end = summary([result()], { transcriptFiles: { 'scenarios/dm.yaml': ['t/scenarios/dm/bob@default.jsonl'] } });
    await drive(await REPORTERS.json({ out, theme: plainTheme, transcripts: true }), [result()], end);
    const report = JSON.parse(out.text()) as JsonReport;
    expect(report.results[0]?.transcripts?.[0]?.actor).toBe('bob@default');
    expect(report.results[0]?.transcriptFiles).toEqual(['t/scenarios/dm/bob@default.jsonl']);
  });
});

// ---- junit ---------------------------------------------------------------------------------

/** Just enough of an XML well-formedness check: tags nest and close, attributes are quoted, text has no raw `<` or `&`. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = /<!\[CDATA\[[\s\S]*?\]\]>|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    if (m[1]) expect(stack.pop(), `closing </${m[1]}>`).toBe(m[1]);
    else if (m[2] && m[4] !== '/') stack.push(m[2]);
    else if (m[5]) expect(m[5]).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+);)/);
  }
  expect(consumed, 'the whole document tokenizes').toBe(body.length);
  expect(stack).toEqual([]);
}

describe('junit reporter', () => {
  it('writes a well-formed document: a testcase per scenario and per threshold, counts that match', async () => {
    const out = sink();
    await drive(await REPORTERS.junit({ out, theme: plainTheme, transcripts: false }), [result(), failed]);
    const xml = out.text();
    assertWellFormed(xml);
    // dm + group + 2 thresholds of group; failures: the group scenario and its lost threshold.
    expect(xml).toMatch(/<testsuites name="im scenarios" tests="4" failures="2" errors="0" skipped="0" time="1\.600">/);
    expect(xml).toMatch(/<testsuite name="im scenarios" tests="4" failures="2"/);
    expect(xml).toContain('<testcase classname="scenarios/dm.yaml" name="direct messages" time="0.400">');
    expect(xml).toContain('name="group &lt;fan-out&gt; &amp; &quot;quotes&quot;"');
    expect(xml).toContain('<failure message="scenarios/group.yaml:23: no matching frame within 2s"');
    expect(xml).toContain('<property name="seed" value="12345"/>');
    expect(xml).toContain('name="group &lt;fan-out&gt; &amp; &quot;quotes&quot; › threshold lost == 0"');
  });

  it('splits ]]> across CDATA sections and puts the transcript in system-out', async () => {
    const xml = junitXml(summary([failed]));
    expect(cdata('a]]>b')).toBe('<![CDATA[a]]]]><![CDATA[>b]]>');
    expect(xml).toContain('hi ]]]]><![CDATA[> there');
    expect(xml).toMatch(/<system-out><!\[CDATA\[\+0\.123s bob@default ← PUSH single:alice:bob seq 3 pts 7 "hello"/);
    assertWellFormed(xml);
  });

  it('strips characters XML 1.0 forbids (escape codes) and reports an engine error as <error>', () => {
    const xml = junitXml(summary([result({ passed: false, error: 'boom \u001b[31mred\u001b[0m' })]));
    expect(xml).not.toMatch(/\u001b/);
    expect(xml).toMatch(/errors="1"/);
    expect(xml).toContain('<error message="boom [31mred[0m"');
    assertWellFormed(xml);
  });

  it('lists files that never started as skipped testcases, so the suite is never empty', () => {
    const xml = junitXml(summary([failed], { skipped: [{ file: 'scenarios/z.yaml', name: 'zzz' }] }));
    expect(xml).toContain('<testcase classname="scenarios/z.yaml" name="zzz" time="0.000">');
    expect(xml).toMatch(/skipped="1"/);
    assertWellFormed(xml);
  });
});

// ---- composition ---------------------------------------------------------------------------

describe('fanOut', () => {
  it('calls every reporter hook in order and skips hooks a reporter does not have', async () => {
    const calls: string[] = [];
    const a: Reporter = { onRunStart: () => void calls.push('a:start'), onRunEnd: () => void calls.push('a:end') };
    const b: Reporter = { onScenarioEnd: (r) => void calls.push(`b:${r.name}`), onRunEnd: async () => void calls.push('b:end') };
    await drive(fanOut([a, b]), [result()]);
    expect(calls).toEqual(['a:start', 'b:direct messages', 'a:end', 'b:end']);
  });
});

// ---- live (ink) ----------------------------------------------------------------------------

const strip = (s: string | undefined) => (s ?? '').replace(/\u001b\[[0-9;]*m/g, '');

/**
 * Resolves once ink has drawn a frame that passes `expectations` (re-checked as frames come, since
 * React commits the store's updates after the call that made them); fails with their last error.
 */
const redrawn = (expectations: () => void) => vi.waitFor(expectations, { timeout: 5_000, interval: 10 });

describe('live view', () => {
  it('shows a spinner row per running scenario with its current step, then a ✓/✗ line when each ends', async () => {
    const store = new LiveRunStore();
    store.start(2);
    const view = render(createElement(LiveView, { store, theme: plainTheme, rows: 24 }));
    store.scenarioStarted('scenarios/dm.yaml', 'direct messages');
    store.scenarioStarted('scenarios/group.yaml', 'group');
    store.step({ file: 'scenarios/dm.yaml', index: 3, kind: 'expect', status: 'start', source: { file: 'scenarios/dm.yaml', line: 17, text: '' } });
    await redrawn(() => {
      const frame = strip(view.lastFrame());
      expect(frame).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] scenarios\/dm\.yaml {2}direct messages {2}scenarios\/dm\.yaml:17 expect/);
      expect(frame).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] scenarios\/group\.yaml {2}group/);
      expect(frame).toContain('0/2 done');
    });

    store.scenarioEnded('scenarios/dm.yaml', true, scenarioLine(result(), plainTheme));
    store.scenarioEnded('scenarios/group.yaml', false, scenarioLine({ ...failed, name: 'group' }, plainTheme));
    await redrawn(() => {
      const frame = strip(view.lastFrame());
      expect(frame).toContain('✓ scenarios/dm.yaml  direct messages  (0.4 s, 12 steps)');
      expect(frame).toContain('✗ scenarios/group.yaml  group  (1.2 s, 5 steps)');
      expect(frame).toContain('2/2 done · 1 passed · 1 failed');
    });
    view.unmount();
  });

  it('keeps the redrawn rows one shorter than the terminal, folding the rest into a count', async () => {
    const store = new LiveRunStore();
    store.start(10);
    const view = render(createElement(LiveView, { store, theme: plainTheme, rows: 5 }));
    for (let i = 0; i < 10; i++) store.scenarioStarted(`scenarios/s${i}.yaml`, `s${i}`);
    await redrawn(() => {
      const lines = strip(view.lastFrame()).split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[2]).toContain('… and 8 more running');
    });
    view.unmount();
  });
});
