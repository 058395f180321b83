import type { Key } from 'ink';

/** One key as `useInput` would have reported it, had it arrived alone. */
export interface KeyPress {
  input: string;
  key: Partial<Key>;
}

// C0 controls and DEL, except CR and LF: line breaks inside text are the input editor's job.
const CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/;
const TOKEN = /\u001b\[[0-9;]*[A-Za-z~]|\u001bO[A-Za-z]|\u001b[\s\S]?|[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]|[^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f\u001b]+/g;

const CSI_KEYS: Record<string, keyof Key> = {
  A: 'upArrow',
  B: 'downArrow',
  C: 'rightArrow',
  D: 'leftArrow',
  H: 'home',
  F: 'end',
  '1~': 'home',
  '4~': 'end',
  '3~': 'delete',
  '5~': 'pageUp',
  '6~': 'pageDown',
};

/**
 * ink reports a chunk of stdin as one key: several keys that arrive together (typed faster than
 * a render, or sent by a script: Tab Tab, Ctrl-N then text) come as one unrecognised string and
 * would be lost. This splits such a chunk back into the keys it holds; a chunk ink understood,
 * or plain text (with line breaks), is passed through as it is.
 */
export function splitKeys(input: string, key: Partial<Key>): KeyPress[] {
  if (input.length <= 1 || !(CONTROL.test(input) || input.includes('\u001b'))) return [{ input, key }];
  return [...input.matchAll(TOKEN)].flatMap((m) => {
    const press = keyOf(m[0]);
    return press === undefined ? [] : [press];
  });
}

function keyOf(token: string): KeyPress | undefined {
  if (token === '\t') return { input: '', key: { tab: true } };
  if (token === '\u001b[Z') return { input: '', key: { tab: true, shift: true } };
  if (token === '\u007f' || token === '\b') return { input: '', key: { backspace: true } };
  if (token === '\u001b') return { input: '', key: { escape: true, meta: true } };
  if (token.length === 1 && token < ' ') return { input: String.fromCharCode(token.charCodeAt(0) + 96), key: { ctrl: true } };
  if (token.startsWith('\u001b[') || token.startsWith('\u001bO')) return csi(token.slice(2));
  if (token.startsWith('\u001b')) return { input: token.slice(1), key: { meta: true } };
  return { input: token, key: {} };
}

/** `1;3B` is Alt-↓, `1;5B` Ctrl-↓ (xterm modifier 3 = Alt, 5 = Ctrl). */
function csi(body: string): KeyPress | undefined {
  const m = /^(?:1;(\d))?([A-Za-z]|\d~)$/.exec(body);
  const name = m?.[2] === undefined ? undefined : CSI_KEYS[m[2]];
  if (name === undefined) return undefined;
  const modifier = Number(m?.[1] ?? 1);
  return { input: '', key: { [name]: true, meta: modifier === 3, ctrl: modifier === 5, shift: modifier === 2 } };
}
