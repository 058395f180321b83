import { CmdType, cmdName, convTypeName, errorName } from '../../protocol/codes.js';
import type { ServerFrame } from '../../protocol/frames.js';
import { summarizeFrame } from '../../client/frame-format.js';
import type { Theme } from './theme.js';
import type { LoggedFrame, RunSummary, ScenarioResult, StepFailure, ThresholdResult, Violation } from '../types.js';

/**
 * Text shared by every reporter: the one-line verdict of a scenario, the failure block that
 * explains it (harness-anchors §6.7), the final line, and transcripts. Pure functions of a
 * result and a theme, so the terminal, the JUnit file and the tests all read the same words.
 */

const INDENT = '    ';
const MAX_TEXT_CHARS = 60;

/** `0.4 s`, `12.3 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `+0.123s`: a frame's arrival, relative to the scenario's start. */
export function relativeTime(at: number): string {
  return `+${(at / 1000).toFixed(3)}s`;
}

function clip(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? 'undefined');
  return text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS)}…` : text;
}

/** `PUSH single:alice:bob seq 3 pts 7 "hello"` — the form a person scans in a frame list. */
export function frameLine(frame: ServerFrame): string {
  if (frame.header.cmd !== CmdType.PUSH) return summarizeFrame(frame);
  const push = frame as Extract<ServerFrame, { header: { cmd: typeof CmdType.PUSH } }>;
  const { stamp, route, content } = push;
  const parts = ['PUSH', stamp.convId];
  // In a pair conversation the id names the sender already; in a group it does not.
  if (!stamp.convId.split(':').includes(route.from)) parts.push(`from ${route.from}`);
  if (stamp.seq !== undefined) parts.push(`seq ${stamp.seq}`);
  if (stamp.pts !== undefined) parts.push(`pts ${stamp.pts}`);
  parts.push(typeof content.text === 'string' ? clip(content.text) : clip(content));
  return parts.join(' ');
}

/** `✓ scenarios/dm.yaml  direct messages  (0.4 s, 12 steps)`. */
export function scenarioLine(result: ScenarioResult, t: Theme): string {
  const mark = result.passed ? t.pass('✓') : t.fail('✗');
  const steps = `${result.stepsRun} step${result.stepsRun === 1 ? '' : 's'}`;
  const drain = result.drainMs === undefined ? '' : `, ${seconds(result.drainMs)} of it waiting for pushes in flight before judging lost`;
  return `${mark} ${result.file}  ${result.name}  ${t.muted(`(${seconds(result.durationMs)}, ${steps}${drain})`)}`;
}

/** `N passed, M failed (T s) · seed S`, with skipped files when --bail stopped early. */
export function finalLine(summary: RunSummary, t: Theme, skipped = 0): string {
  const passed = summary.results.filter((r) => r.passed).length;
  const failed = summary.results.length - passed;
  const counts = [t.pass(`${passed} passed`), failed > 0 ? t.fail(`${failed} failed`) : `${failed} failed`];
  if (skipped > 0) counts.push(t.warn(`${skipped} skipped`));
  return `${counts.join(', ')} ${t.muted(`(${seconds(summary.durationMs)})`)} · seed ${summary.seed}`;
}

/** The first line of why a scenario failed, for JUnit's message attribute and JSON dashboards. */
export function failureHeadline(result: ScenarioResult): string {
  if (result.error !== undefined) return result.error;
  if (result.failure) return `${where(result.failure)}: ${result.failure.reason}`;
  const broken = result.thresholds.filter((r) => !r.passed);
  if (result.violations.length > 0) return `${result.violations.length} invariant violation(s): ${result.violations[0]?.message ?? ''}`;
  if (broken.length > 0) return `threshold ${thresholdText(broken[0]!)} not met`;
  if (result.unconsumed.length > 0) return `${strictInboxWhere(result)}: strict_inbox: ${unreadSummary(result)}`;
  return 'failed';
}

function where(failure: StepFailure): string {
  return `${failure.source.file}:${failure.source.line}`;
}

/** `file:line` of the `strict_inbox:` key (line 1 when the result does not say). */
function strictInboxWhere(result: ScenarioResult): string {
  const source = result.strictInboxSource;
  return source === undefined ? `${result.file}:1` : `${source.file}:${source.line}`;
}

/** `2 frame(s) left unread (bob@phone 1, carol@default 1)`. */
function unreadSummary(result: ScenarioResult): string {
  const total = result.unconsumed.reduce((n, u) => n + u.frames.length, 0);
  return `${total} frame(s) left unread (${result.unconsumed.map((u) => `${u.actor} ${u.frames.length}`).join(', ')})`;
}

function thresholdText(r: ThresholdResult): string {
  return `${r.threshold.metric} ${r.threshold.op} ${r.threshold.value}`;
}

function diffLines(diff: string, t: Theme): string[] {
  return diff.split('\n').map((line) => {
    const m = /^(.*?: )expected (.*), got (.*)$/.exec(line);
    if (!m) return line;
    return `${m[1]}expected ${t.diffExpected(m[2] ?? '')}, got ${t.diffActual(m[3] ?? '')}`;
  });
}

function recentLines(recent: readonly LoggedFrame[], t: Theme): string[] {
  return recent.map(({ at, frame, node }) => `${t.muted(relativeTime(at))} ${node === undefined ? '' : t.muted(`via node ${node} `)}${frameLine(frame)}`);
}

function stepLines(failure: StepFailure, t: Theme): string[] {
  const actor = failure.actor === undefined ? '' : ` (${failure.actor})`;
  const lines = [`${t.heading('step')}  ${t.location(where(failure))}${actor}`];
  lines.push(...failure.source.text.split('\n').map((l) => `${INDENT}${t.muted('│')} ${l}`));
  lines.push(`${t.heading('why')}   ${t.fail(failure.reason)}`);
  lines.push(`${t.heading('expected')}`, ...failure.expected.split('\n').map((l) => `${INDENT}${l}`));
  if (failure.response) lines.push(...responseLines(failure.response, t));
  if (failure.closest) {
    const who = failure.actor ?? 'the actor';
    lines.push(`${t.heading('closest frame')} ${who} received: ${frameLine(failure.closest.frame)}`);
    if (failure.closest.note !== undefined) lines.push(`${INDENT}${t.warn(failure.closest.note)}`);
    if (failure.closest.diff !== '') lines.push(...diffLines(failure.closest.diff, t).map((l) => `${INDENT}${l}`));
  } else if (failure.actor !== undefined && failure.recent?.length === 0) {
    lines.push(`${t.heading('closest frame')} none: ${failure.actor} received no frame`);
  }
  if (failure.recent && failure.recent.length > 0) {
    const n = failure.recent.length;
    lines.push(`${t.heading(n === 1 ? 'last frame' : `last ${n} frames`)} of ${failure.actor ?? 'the actor'}`);
    lines.push(...recentLines(failure.recent, t).map((l) => `${INDENT}${l}`));
  }
  return lines;
}

/** `response HTTP 200 · code 0 (ok)`, then the body as received (clipped by the step). */
function responseLines(response: NonNullable<StepFailure['response']>, t: Theme): string[] {
  const { status, code, body } = response;
  const envelope = code === null ? 'no JSON envelope' : code === 0 ? 'code 0 (ok)' : `code ${code} ${errorName(code)}`;
  return [`${t.heading('response')} HTTP ${status} · ${envelope}`, ...body.split('\n').map((l) => `${INDENT}${t.diffActual(l)}`)];
}

function violationLine(v: Violation): string {
  const who = v.device === undefined ? v.user : `${v.user}@${v.device}`;
  const conv = v.convId === undefined ? '' : `  ${v.convId}`;
  return `${v.rule}  ${who}${conv}  ${v.message}`;
}

function latencyLine(result: ScenarioResult, t: Theme): string {
  const d = result.delivery;
  const latency = d.count === 0 ? 'no deliveries measured' : `p50 ${d.p50} ms · p95 ${d.p95} ms · p99 ${d.p99} ms · max ${d.max} ms (n=${d.count})`;
  const lost = result.lost > 0 ? t.fail(`lost ${result.lost}`) : 'lost 0';
  const dups = result.duplicates > 0 ? t.fail(`duplicates ${result.duplicates}`) : 'duplicates 0';
  return `${t.heading('delivery')}  ${latency} · ${lost} · ${dups}`;
}

/**
 * Everything a person needs to fix a failed scenario without rerunning it: the step and its
 * file:line, the expectation as written, the diff against the closest frame received, that
 * actor's last frames, violations, thresholds, unread frames, and the delivery numbers.
 */
export function failureBlock(result: ScenarioResult, t: Theme): string[] {
  const lines = [`${t.fail('✗')} ${t.heading(result.file)}  ${result.name}`];
  const body: string[] = [];
  if (result.error !== undefined) body.push(`${t.heading('error')} ${t.fail(result.error)}`);
  if (result.failure) body.push(...stepLines(result.failure, t));
  if (result.violations.length > 0) {
    body.push(`${t.heading(`violations (${result.violations.length})`)}`);
    body.push(...result.violations.map((v) => `${INDENT}${t.fail(violationLine(v))}`));
  }
  if (result.unconsumed.length > 0) body.push(`${t.heading('strict_inbox')}  ${t.location(strictInboxWhere(result))}  ${t.fail(unreadSummary(result))}`);
  for (const { actor, frames } of result.unconsumed) {
    body.push(`${t.heading('unread')} ${actor}: ${frames.length} frame(s) left with strict_inbox`);
    body.push(...recentLines(frames, t).map((l) => `${INDENT}${l}`));
  }
  if (result.thresholds.length > 0) {
    body.push(t.heading('thresholds'));
    for (const r of result.thresholds) {
      const mark = r.passed ? t.pass('✓') : t.fail('✗');
      const at = t.location(`${r.threshold.source.file}:${r.threshold.source.line}`);
      body.push(`${INDENT}${mark} ${thresholdText(r)}  ${t.muted(`(actual ${r.actual})`)}  ${at}`);
    }
  }
  body.push(latencyLine(result, t));
  return [...lines, ...body.map((l) => `  ${l}`)];
}

/** Every frame of every device of a scenario, merged by time: `+0.123s alice@phone ← PUSH …`. */
export function transcriptLines(result: ScenarioResult): string[] {
  const rows = result.transcripts.flatMap(({ actor, frames, sent }) => [
    ...frames.map((f) => ({ at: f.at, text: `${relativeTime(f.at)} ${actor}${viaNode(f)} ← ${frameLine(f.frame)}` })),
    ...sent.map((f) => ({ at: f.at, text: `${relativeTime(f.at)} ${actor}${viaNode(f)} → ${summarizeSent(f.frame)}` })),
  ]);
  return rows.sort((a, b) => a.at - b.at).map((r) => r.text);
}

/** ` (node 2)` when the run has several nodes. */
function viaNode(frame: LoggedFrame): string {
  return frame.node === undefined ? '' : ` (node ${frame.node})`;
}

/** Sent frames are client frames (a SEND may be logged before its header is added). */
function summarizeSent(frame: unknown): string {
  const { header, route, content, ...rest } = (frame ?? {}) as { header?: { cmd?: number }; route?: { convType?: number; to?: string }; content?: Record<string, unknown> };
  if (route) {
    const body = typeof content?.text === 'string' ? clip(content.text) : clip(content);
    return `SEND ${route.convType === undefined ? '' : convTypeName(route.convType)} to ${route.to ?? '?'} ${body}`;
  }
  const head = header?.cmd === undefined ? 'REQUEST' : cmdName(header.cmd);
  return `${head} ${clip({ ...rest, ...(content === undefined ? {} : { content }) })}`;
}
