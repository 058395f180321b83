import type { Key } from 'ink';
import { conversationList, nextUnread } from '../model/chat-selectors.js';
import type { ChatState } from '../model/chat-types.js';
import { applyInput, EMPTY_EDITOR, type EditorState } from './input-editor.js';
import type { ChatAction } from './keymap.js';
import type { TimelineRow } from './timeline-rows.js';

/** What a pane keeps for itself, beside the session's view. */
export interface PaneUiState {
  editor: EditorState;
  /** Timeline rows scrolled up from the newest; 0 follows new messages. */
  scroll: number;
  /** The message the cursor is on (↑/↓); null: none. */
  cursor: string | null;
  /** The `#msgId · seq · pts` metadata (Ctrl-T). */
  showMeta: boolean;
  /** Rows the overlay is scrolled down. */
  overlayScroll: number;
}

export const INITIAL_PANE_UI: PaneUiState = { editor: EMPTY_EDITOR, scroll: 0, cursor: null, showMeta: true, overlayScroll: 0 };

/** Calls the pane makes on its session after a key. */
export type PaneEffect =
  | { kind: 'submit'; line: string; selectedMsgId: string | null }
  | { kind: 'select'; convId: string }
  | { kind: 'loadOlder'; convId: string }
  | { kind: 'typing' }
  | { kind: 'dismissOverlay' }
  | { kind: 'reconnect' };

export interface PaneContext {
  state: ChatState;
  /** Timeline rows of the selected conversation at the current width. */
  rows: readonly TimelineRow[];
  /** Rows the timeline (or the overlay in its place) shows. */
  height: number;
  /** Rows of the open overlay's body, or null when none is open. */
  overlayRows: number | null;
}

export interface PaneStep {
  ui: PaneUiState;
  effects: PaneEffect[];
}

const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n));

export function maxScroll(rows: number, height: number): number {
  return Math.max(0, rows - height);
}

/** The scroll that brings every row of `msgId` into view, changing `scroll` as little as possible. */
export function revealScroll(rows: readonly TimelineRow[], height: number, scroll: number, msgId: string): number {
  const first = rows.findIndex((r) => r.msgId === msgId);
  if (first < 0 || height <= 0) return scroll;
  let last = first;
  while (rows[last + 1]?.msgId === msgId) last++;
  const n = rows.length;
  let s = scroll;
  // A message taller than the window shows its first row: that is where the cursor marker is.
  if (last > n - 1 - s) s = n - 1 - last;
  if (first < n - height - s) s = n - height - first;
  return clamp(s, 0, maxScroll(n, height));
}

/** Message ids in display order (rows of one message are consecutive). */
function messageIds(rows: readonly TimelineRow[]): string[] {
  const ids: string[] = [];
  for (const r of rows) if (r.msgId !== null && ids[ids.length - 1] !== r.msgId) ids.push(r.msgId);
  return ids;
}

function selectRelative(state: ChatState, delta: 1 | -1): string | null {
  const list = conversationList(state);
  if (list.length === 0) return null;
  const at = list.findIndex((c) => c.convId === state.selected);
  const next = at < 0 ? (delta === 1 ? 0 : list.length - 1) : (at + delta + list.length) % list.length;
  const id = list[next]?.convId ?? null;
  return id === state.selected ? null : id;
}

const selectEffect = (ui: PaneUiState, convId: string | null): PaneStep =>
  convId === null ? { ui, effects: [] } : { ui: { ...ui, scroll: 0, cursor: null }, effects: [{ kind: 'select', convId }] };

/** A key the focused pane handles (everything but quit and pane focus), as state + session calls. */
export function paneStep(ui: PaneUiState, action: ChatAction, input: string, key: Partial<Key>, ctx: PaneContext): PaneStep {
  const { state, rows, height } = ctx;
  const convId = state.selected;
  const conv = convId === null ? undefined : state.conversations[convId];
  const page = Math.max(1, height - 1);
  const top = maxScroll(rows.length, height);
  const scroll = clamp(ui.scroll, 0, top);

  if (ctx.overlayRows !== null) {
    const overlayTop = maxScroll(ctx.overlayRows, height);
    const scrollOverlay = (by: number): PaneStep => ({ ui: { ...ui, overlayScroll: clamp(ui.overlayScroll + by, 0, overlayTop) }, effects: [] });
    switch (action) {
      case 'escape':
        return { ui: { ...ui, overlayScroll: 0 }, effects: [{ kind: 'dismissOverlay' }] };
      case 'pageUp':
        return scrollOverlay(-page);
      case 'pageDown':
        return scrollOverlay(page);
      case 'cursorUp':
        return scrollOverlay(-1);
      case 'cursorDown':
        return scrollOverlay(1);
      default:
        break;
    }
  }

  switch (action) {
    case 'nextConversation':
      return selectEffect(ui, selectRelative(state, 1));
    case 'previousConversation':
      return selectEffect(ui, selectRelative(state, -1));
    case 'nextUnread': {
      const id = nextUnread(state);
      return selectEffect(ui, id === state.selected ? null : id);
    }
    case 'pageUp': {
      const next = Math.min(top, scroll + page);
      // Reaching the top of what is loaded asks for the page before it; the session drops repeats.
      const older = convId !== null && next === top && conv?.hasMoreHistory === true;
      return { ui: { ...ui, scroll: next }, effects: older ? [{ kind: 'loadOlder', convId }] : [] };
    }
    case 'pageDown':
      return { ui: { ...ui, scroll: Math.max(0, scroll - page) }, effects: [] };
    case 'cursorUp': {
      const ids = messageIds(rows);
      if (ids.length === 0) return { ui, effects: [] };
      const at = ui.cursor === null ? ids.length : ids.indexOf(ui.cursor);
      const target = ids[Math.max(0, (at < 0 ? ids.length : at) - 1)] ?? null;
      const atOldest = target === ids[0];
      const effects: PaneEffect[] = atOldest && convId !== null && conv?.hasMoreHistory === true ? [{ kind: 'loadOlder', convId }] : [];
      return { ui: { ...ui, cursor: target, scroll: target === null ? scroll : revealScroll(rows, height, scroll, target) }, effects };
    }
    case 'cursorDown': {
      if (ui.cursor === null) return { ui, effects: [] };
      const ids = messageIds(rows);
      const target = ids[ids.indexOf(ui.cursor) + 1] ?? null;
      if (target === null) return { ui: { ...ui, cursor: null, scroll: 0 }, effects: [] };
      return { ui: { ...ui, cursor: target, scroll: revealScroll(rows, height, scroll, target) }, effects: [] };
    }
    case 'escape':
      return { ui: { ...ui, cursor: null, scroll: 0 }, effects: [] };
    case 'toggleMeta':
      return { ui: { ...ui, showMeta: !ui.showMeta }, effects: [] };
    case 'reconnect':
      return { ui, effects: [{ kind: 'reconnect' }] };
    case 'edit':
      return editStep(ui, input, key, convId);
    default:
      return { ui, effects: [] };
  }
}

function editStep(ui: PaneUiState, input: string, key: Partial<Key>, convId: string | null): PaneStep {
  const { state: editor, submitted } = applyInput(ui.editor, input, key);
  const effects: PaneEffect[] = submitted.map((line) => ({ kind: 'submit', line, selectedMsgId: ui.cursor }));
  let next: PaneUiState = { ...ui, editor };
  // Sending a message means reading on at the newest one; a command (e.g. /raw) keeps the cursor.
  if (submitted.some((l) => !l.startsWith('/'))) next = { ...next, cursor: null, scroll: 0 };
  const typed = editor.text.length > (submitted.length > 0 ? 0 : ui.editor.text.length);
  if (convId !== null && typed && !editor.text.startsWith('/')) effects.push({ kind: 'typing' });
  return { ui: next, effects };
}
