import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { applyInput, EMPTY_EDITOR, type EditorState } from '../../../src/chat/ui/input-editor.js';

/** Feeds events in order, collecting the submitted lines. */
function feed(events: [string, Partial<Key>?][], from: EditorState = EMPTY_EDITOR): { state: EditorState; submitted: string[] } {
  let state = from;
  const submitted: string[] = [];
  for (const [input, key] of events) {
    const r = applyInput(state, input, key ?? {});
    state = r.state;
    submitted.push(...r.submitted);
  }
  return { state, submitted };
}

describe('input editor', () => {
  it('types and submits on Enter', () => {
    const r = feed([['h'], ['i'], ['\r', { return: true }]]);
    expect(r.submitted).toEqual(['hi']);
    expect(r.state).toEqual(EMPTY_EDITOR);
  });

  it('submits every line of a pasted chunk, in order', () => {
    expect(feed([['hello\rworld\r']]).submitted).toEqual(['hello', 'world']);
  });

  it('keeps what follows the last line end in the buffer', () => {
    const r = feed([['a\r\nb']]);
    expect(r.submitted).toEqual(['a']);
    expect(r.state).toEqual({ text: 'b', cursor: 1 });
    expect(feed([['x\ny\rz']]).submitted).toEqual(['x', 'y']);
  });

  it('submits the whole buffer on Enter, wherever the cursor is', () => {
    expect(feed([['abcd'], ['', { leftArrow: true }], ['', { leftArrow: true }], ['\r', { return: true }]]).submitted).toEqual(['abcd']);
  });

  it('does not submit whitespace-only lines', () => {
    expect(feed([['  \r\r\n'], ['\r', { return: true }]]).submitted).toEqual([]);
  });

  it('treats backspace and delete both as delete-left', () => {
    expect(feed([['abc'], ['', { backspace: true }]]).state.text).toBe('ab');
    expect(feed([['abc'], ['', { delete: true }]]).state.text).toBe('ab');
    expect(feed([['', { delete: true }]]).state).toEqual(EMPTY_EDITOR);
  });

  it('moves the cursor and inserts there', () => {
    const r = feed([['ac'], ['', { leftArrow: true }], ['b']]);
    expect(r.state).toEqual({ text: 'abc', cursor: 2 });
    expect(feed([['abc'], ['a', { ctrl: true }], ['>']]).state.text).toBe('>abc');
    expect(feed([['abc'], ['', { home: true }], ['e', { ctrl: true }], ['!']]).state.text).toBe('abc!');
    expect(feed([['abc'], ['', { home: true }], ['', { end: true }]]).state.cursor).toBe(3);
    expect(feed([['ab'], ['', { rightArrow: true }]]).state.cursor).toBe(2);
  });

  it('kills to the start (Ctrl-U) and the word before the cursor (Ctrl-W)', () => {
    expect(feed([['hello world'], ['', { leftArrow: true }], ['u', { ctrl: true }]]).state).toEqual({ text: 'd', cursor: 0 });
    expect(feed([['hello big  world  '], ['w', { ctrl: true }]]).state.text).toBe('hello big  ');
    expect(feed([['hello'], ['w', { ctrl: true }]]).state).toEqual(EMPTY_EDITOR);
  });

  it('Ctrl-D deletes the character under the cursor', () => {
    expect(feed([['abc'], ['', { home: true }], ['d', { ctrl: true }]]).state.text).toBe('bc');
  });

  it('counts the cursor in code points and never splits a surrogate pair', () => {
    let r = feed([['a👍b']]);
    expect(r.state.cursor).toBe(3);
    r = feed([['', { leftArrow: true }], ['', { leftArrow: true }]], r.state);
    expect(r.state.cursor).toBe(1);
    r = feed([['', { rightArrow: true }], ['', { backspace: true }]], r.state);
    expect(r.state).toEqual({ text: 'ab', cursor: 1 });
    expect(feed([['😀😀'], ['', { backspace: true }]]).state.text).toBe('😀');
  });

  it('ignores keys it does not edit with and strips control characters', () => {
    expect(feed([['x'], ['', { upArrow: true }], ['', { tab: true }], ['q', { ctrl: true }], ['z', { meta: true }]]).state.text).toBe('x');
    expect(feed([['a\u0007b\tc']]).state.text).toBe('ab c');
  });
});
