import type { Key } from 'ink';

/** What a key does; `edit` hands the key to the input line. */
export type ChatAction =
  | 'quit'
  | 'focusNext'
  | 'focusPrevious'
  | 'nextConversation'
  | 'previousConversation'
  | 'nextUnread'
  | 'pageUp'
  | 'pageDown'
  | 'cursorUp'
  | 'cursorDown'
  | 'escape'
  | 'toggleMeta'
  | 'reconnect'
  | 'edit';

export interface KeyContext {
  /** The focused pane's input line is empty: Ctrl-D quits and ↑/↓ move the message cursor. */
  inputEmpty: boolean;
}

/**
 * The key bindings (weechat / gomuks / senpai conventions), shown by `/help`. Alt combinations
 * have a Ctrl fallback because some terminals (macOS Terminal by default) do not send Alt.
 */
export const KEY_HELP: readonly { keys: string; action: string }[] = [
  { keys: 'Tab / Shift-Tab', action: 'focus the next / previous pane' },
  { keys: 'Ctrl-N / Ctrl-P', action: 'next / previous conversation' },
  { keys: 'Alt-↓ / Alt-↑', action: 'next / previous conversation' },
  { keys: 'Alt-A / Ctrl-X', action: 'next conversation with unread messages' },
  { keys: 'PgUp / PgDn', action: 'scroll the timeline a page (PgUp at the top loads older history)' },
  { keys: '↑ / ↓', action: 'move the message cursor (input line empty); /raw shows that message' },
  { keys: 'Esc', action: 'close the panel; back to the newest message' },
  { keys: 'Ctrl-T', action: 'show / hide the #msgId · seq · pts metadata' },
  { keys: 'Ctrl-R', action: 'reconnect now (after a KICK: signs out the other connection)' },
  { keys: 'Ctrl-A / Ctrl-E', action: 'start / end of the input line (also Home / End)' },
  { keys: 'Ctrl-U / Ctrl-W', action: 'delete to the start of the line / the word before the cursor' },
  { keys: 'Ctrl-C', action: 'quit (also Ctrl-D on an empty input line, or /quit)' },
];

/** `KEY_HELP` as aligned lines, e.g. for `/help`. */
export function keyHelpLines(): string[] {
  const width = Math.max(...KEY_HELP.map((k) => k.keys.length));
  return KEY_HELP.map((k) => `${k.keys.padEnd(width)}  ${k.action}`);
}

/** The action for one `useInput` event (`input`, `key` as ink reports them). */
export function keyAction(input: string, key: Partial<Key>, context: KeyContext): ChatAction {
  if (key.ctrl && input === 'c') return 'quit';
  if (key.ctrl && input === 'd' && context.inputEmpty) return 'quit';
  if (key.tab) return key.shift ? 'focusPrevious' : 'focusNext';
  if (key.escape) return 'escape';
  if ((key.meta || key.ctrl) && key.downArrow) return 'nextConversation';
  if ((key.meta || key.ctrl) && key.upArrow) return 'previousConversation';
  if (key.ctrl && input === 'n') return 'nextConversation';
  if (key.ctrl && input === 'p') return 'previousConversation';
  if ((key.meta && (input === 'a' || input === 'A')) || (key.ctrl && input === 'x')) return 'nextUnread';
  if (key.ctrl && input === 't') return 'toggleMeta';
  if (key.ctrl && input === 'r') return 'reconnect';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (context.inputEmpty && key.upArrow) return 'cursorUp';
  if (context.inputEmpty && key.downArrow) return 'cursorDown';
  return 'edit';
}
