import { Rows } from './Rows.js';
import type { EditorState } from './input-editor.js';
import { displayWidth, fitSegments, truncate, type Segment } from './text-width.js';
import { theme } from './theme.js';

export interface InputLineProps {
  /** E.g. `alice> `. */
  prompt: string;
  editor: EditorState;
  /** Only the focused pane shows its cursor. */
  focused: boolean;
  width: number;
}

const widthOf = (points: readonly string[], from: number, to: number): number =>
  points.slice(from, to).reduce((n, p) => n + displayWidth(p), 0);

/** First code point shown so that the cursor cell fits in `room` columns (`‹` takes one when > 0). */
function windowStart(points: readonly string[], cursor: number, cursorWidth: number, room: number): number {
  if (widthOf(points, 0, cursor) + cursorWidth <= room) return 0;
  let start = cursor;
  let used = cursorWidth + 1;
  while (start > 0) {
    const w = displayWidth(points[start - 1] ?? '');
    if (used + w > room) break;
    used += w;
    start--;
  }
  return start;
}

/**
 * The prompt and the buffer, scrolled horizontally so the cursor stays visible; the cursor is an
 * inverted cell, drawn only in the focused pane.
 */
export function InputLine({ prompt, editor, focused, width }: InputLineProps) {
  // The editor never stores controls or line ends, so code points map to cells one to one.
  const points = Array.from(editor.text);
  const cursor = Math.min(editor.cursor, points.length);
  const under = points[cursor] ?? ' ';
  const cursorWidth = Math.max(1, displayWidth(under));
  const room = width - displayWidth(prompt);
  const start = windowStart(points, cursor, cursorWidth, room);
  const segments: Segment[] = [{ text: prompt, style: focused ? theme.own : theme.hint }];
  if (start > 0) segments.push({ text: '‹', style: theme.hint });
  segments.push({ text: points.slice(start, cursor).join('') });
  if (focused) {
    const rest = room - (start > 0 ? 1 : 0) - widthOf(points, start, cursor) - cursorWidth;
    segments.push({ text: under, style: theme.cursor });
    segments.push({ text: truncate(points.slice(cursor + 1).join(''), Math.max(0, rest)) });
  } else {
    segments.push({ text: points.slice(cursor).join('') });
  }
  return <Rows lines={[fitSegments(segments, width)]} width={width} height={1} />;
}
