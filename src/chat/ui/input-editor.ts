import type { Key } from 'ink';

/** The input line: `cursor` counts code points, so it never lands inside a surrogate pair. */
export interface EditorState {
  text: string;
  cursor: number;
}

export interface EditorResult {
  state: EditorState;
  /** Lines completed by this input, oldest first (whitespace-only lines are dropped). */
  submitted: string[];
}

export const EMPTY_EDITOR: EditorState = { text: '', cursor: 0 };

const LINE_END = /\r\n|\r|\n/;
// Controls a paste may carry that have no place in a one-line buffer (line ends are split off
// before this runs; a tab becomes a space).
const UNPRINTABLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

const chars = (text: string): string[] => Array.from(text);

function edit(points: string[], cursor: number): EditorState {
  return { text: points.join(''), cursor: Math.max(0, Math.min(cursor, points.length)) };
}

function insert(state: EditorState, text: string): EditorState {
  const clean = text.replace(/\t/g, ' ').replace(UNPRINTABLE, '');
  if (clean === '') return state;
  const points = chars(state.text);
  const added = chars(clean);
  points.splice(state.cursor, 0, ...added);
  return edit(points, state.cursor + added.length);
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/** Start of the word left of `cursor` (readline's Ctrl-W: spaces first, then the word). */
function wordStart(points: string[], cursor: number): number {
  let i = cursor;
  while (i > 0 && isSpace(points[i - 1])) i--;
  while (i > 0 && !isSpace(points[i - 1])) i--;
  return i;
}

function wordEnd(points: string[], cursor: number): number {
  let i = cursor;
  while (i < points.length && isSpace(points[i])) i++;
  while (i < points.length && !isSpace(points[i])) i++;
  return i;
}

/** The editing keys; anything not handled here leaves the state as it is. */
function applyKey(state: EditorState, input: string, key: Partial<Key>): EditorState {
  const points = chars(state.text);
  const { cursor } = state;
  if (key.backspace || key.delete) {
    if (cursor === 0) return state;
    points.splice(cursor - 1, 1);
    return edit(points, cursor - 1);
  }
  if (key.leftArrow) return edit(points, key.ctrl || key.meta ? wordStart(points, cursor) : cursor - 1);
  if (key.rightArrow) return edit(points, key.ctrl || key.meta ? wordEnd(points, cursor) : cursor + 1);
  if (key.home) return edit(points, 0);
  if (key.end) return edit(points, points.length);
  if (key.ctrl) {
    switch (input) {
      case 'a':
        return edit(points, 0);
      case 'e':
        return edit(points, points.length);
      case 'b':
        return edit(points, cursor - 1);
      case 'f':
        return edit(points, cursor + 1);
      case 'u':
        return edit(points.slice(cursor), 0);
      case 'k':
        return edit(points.slice(0, cursor), cursor);
      case 'w': {
        const start = wordStart(points, cursor);
        points.splice(start, cursor - start);
        return edit(points, start);
      }
      case 'd':
        // Ctrl-D on an empty line quits, which the app decides before the editor sees it.
        points.splice(cursor, 1);
        return edit(points, cursor);
      default:
        return state;
    }
  }
  return state;
}

/**
 * One `useInput` event applied to the line. `input` may hold many characters: ink passes a paste,
 * or keys typed faster than a render, as one string. Every line ended by CR, LF or CR LF inside it
 * is submitted in order (Enter submits the whole buffer, wherever the cursor is) and what follows
 * the last line end stays in the buffer.
 */
export function applyInput(state: EditorState, input: string, key: Partial<Key>): EditorResult {
  const navigation =
    key.backspace || key.delete || key.leftArrow || key.rightArrow || key.home || key.end || key.ctrl;
  if (navigation) return { state: applyKey(state, input, key), submitted: [] };
  if (key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.tab || key.escape) {
    return { state, submitted: [] };
  }
  // Alt+letter arrives as meta + the letter; unbound ones must not type the letter.
  if (key.meta && !key.return && !LINE_END.test(input)) return { state, submitted: [] };

  const submitted: string[] = [];
  let current = state;
  const parts = input.split(LINE_END);
  // A bare Enter (e.g. the kitty protocol's return key) may come without its "\r".
  if (parts.length === 1 && key.return) parts.push('');
  parts.forEach((part, i) => {
    current = insert(current, part);
    if (i < parts.length - 1) {
      if (current.text.trim() !== '') submitted.push(current.text);
      current = EMPTY_EDITOR;
    }
  });
  return { state: current, submitted };
}
