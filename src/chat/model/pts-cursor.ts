import type { PtsGap } from './chat-types.js';

/**
 * Telegram-style classification of a pts-bearing frame against the device's cursor:
 * `duplicate` (already seen), `apply` (the next one) or `gap` (apply, but pts in between are missing).
 */
export type PtsVerdict = 'apply' | 'duplicate' | 'gap';

export function classifyPts(cursor: number, pts: number): PtsVerdict {
  if (pts <= cursor) return 'duplicate';
  return pts === cursor + 1 ? 'apply' : 'gap';
}

/** Removes `from..to` (inclusive) from the gaps; returns the remaining gaps and the parts removed. */
export function subtractRange(
  gaps: readonly PtsGap[],
  from: number,
  to: number,
): { rest: PtsGap[]; removed: PtsGap[] } {
  const rest: PtsGap[] = [];
  const removed: PtsGap[] = [];
  for (const gap of gaps) {
    const lo = Math.max(gap.from, from);
    const hi = Math.min(gap.to, to);
    if (lo > hi) {
      rest.push(gap);
      continue;
    }
    removed.push({ from: lo, to: hi });
    if (gap.from < lo) rest.push({ from: gap.from, to: lo - 1 });
    if (hi < gap.to) rest.push({ from: hi + 1, to: gap.to });
  }
  return { rest, removed };
}

/** Removes single pts values (messages a SYNC page carried) from the gaps. */
export function subtractPoints(gaps: readonly PtsGap[], points: readonly number[]): { rest: PtsGap[]; removed: PtsGap[] } {
  let rest: PtsGap[] = [...gaps];
  const removed: PtsGap[] = [];
  for (const p of points) {
    const step = subtractRange(rest, p, p);
    rest = step.rest;
    removed.push(...step.removed);
  }
  return { rest, removed };
}
