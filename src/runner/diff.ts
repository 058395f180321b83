import type { ServerFrame } from '../protocol/frames.js';
import { compare, type Mismatch } from './match.js';
import type { LoggedFrame, Matcher } from './types.js';

/**
 * Failure output: which received frame came closest to a matcher, and how it differs, one line
 * per mismatching field: `content.text: expected "hi", got "ho"`.
 */

const MAX_VALUE_CHARS = 200;
const MAX_LINES = 12;

/** Compact JSON, clipped; `nothing` for an absent field. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

export function diffLine(m: Mismatch): string {
  const where = m.path === '' ? '(frame)' : m.path;
  const line = `${where}: expected ${show(m.expected)}, got ${show(m.actual)}`;
  return m.note === undefined ? line : `${line} (${m.note})`;
}

/** The diff of `actual` against `matcher`, one line per mismatch (empty when it matches). */
export function diff(actual: unknown, matcher: Matcher): string {
  const lines = compare(actual, matcher).mismatches.map(diffLine);
  if (lines.length > MAX_LINES) return [...lines.slice(0, MAX_LINES), `… and ${lines.length - MAX_LINES} more`].join('\n');
  return lines.join('\n');
}

/**
 * The frame with the most matching leaf fields (the latest one on a tie: it is usually the one
 * the author was waiting for); undefined when the log is empty.
 */
export function closestFrame(log: readonly LoggedFrame[], matcher: Matcher): { frame: ServerFrame; diff: string } | undefined {
  let best: { frame: ServerFrame; passed: number } | undefined;
  for (const { frame } of log) {
    const { passed } = compare(frame, matcher);
    if (!best || passed >= best.passed) best = { frame, passed };
  }
  return best && { frame: best.frame, diff: diff(best.frame, matcher) };
}
