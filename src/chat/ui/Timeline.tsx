import { Rows } from './Rows.js';
import { fitSegments } from './text-width.js';
import { theme } from './theme.js';
import type { TimelineRow } from './timeline-rows.js';
import { maxScroll } from './pane-controller.js';

/** Columns the timeline keeps left of every row for the cursor and scroll markers. */
const GUTTER_WIDTH = 1;
/** A blank column right of every row, so right-aligned metadata never touches the next pane's divider. */
const MARGIN_WIDTH = 1;

/** The width `timelineRows` lays rows out at for a timeline `width` columns wide. */
export function rowWidth(width: number): number {
  return Math.max(0, width - GUTTER_WIDTH - MARGIN_WIDTH);
}

export interface TimelineProps {
  /** From `timelineRows` at `rowWidth(width)` columns. */
  rows: readonly TimelineRow[];
  width: number;
  height: number;
  /** Rows scrolled up from the newest. */
  scroll: number;
  /** The message under the cursor, highlighted. */
  cursor: string | null;
  /** Shown instead of the rows when there are none, e.g. when no conversation is selected. */
  emptyHint: string;
}

/**
 * Exactly `height` rows ending `scroll` rows above the newest, padded with blank rows on top when
 * the conversation is short (new messages appear at the bottom, next to the input line). The
 * gutter shows `›` on the cursor's message, `↑` / `↓` when more rows are above / below.
 */
export function Timeline({ rows, width, height, scroll, cursor, emptyHint }: TimelineProps) {
  const blank = ' '.repeat(Math.max(0, width));
  if (rows.length === 0) {
    const hint = fitSegments([{ text: ' ' }, { text: emptyHint, style: theme.hint }], width);
    return <Rows lines={[hint, ...Array<string>(Math.max(0, height - 1)).fill(blank)]} width={width} height={height} />;
  }
  const s = Math.max(0, Math.min(scroll, maxScroll(rows.length, height)));
  const end = rows.length - s;
  const start = Math.max(0, end - height);
  const shown = rows.slice(start, end);
  const lines: string[] = Array<string>(height - shown.length).fill(blank);
  shown.forEach((row, i) => {
    const isCursor = cursor !== null && row.msgId === cursor;
    const firstOfMessage = isCursor && (start + i === 0 || rows[start + i - 1]?.msgId !== cursor);
    let gutter = ' ';
    if (firstOfMessage) gutter = '›';
    else if (i === 0 && start > 0) gutter = '↑';
    else if (i === shown.length - 1 && s > 0) gutter = '↓';
    const marker = gutter === ' ' ? gutter : theme.hint(gutter);
    lines.push(marker + (isCursor ? theme.selected(row.text) : row.text) + ' '.repeat(MARGIN_WIDTH));
  });
  return <Rows lines={lines} width={width} height={height} />;
}
