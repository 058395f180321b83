import { describe, expect, it } from 'vitest';
import { splitKeys } from '../../../src/chat/ui/key-chunks.js';

describe('splitKeys', () => {
  it('passes a single key and plain text (line breaks included) through unchanged', () => {
    expect(splitKeys('a', {})).toEqual([{ input: 'a', key: {} }]);
    expect(splitKeys('n', { ctrl: true })).toEqual([{ input: 'n', key: { ctrl: true } }]);
    expect(splitKeys('hello 中文\rworld\r', {})).toEqual([{ input: 'hello 中文\rworld\r', key: {} }]);
  });

  it('splits control keys that arrived together', () => {
    expect(splitKeys('\t\t', {})).toEqual([
      { input: '', key: { tab: true } },
      { input: '', key: { tab: true } },
    ]);
    expect(splitKeys('\u000ehi\r', {})).toEqual([
      { input: 'n', key: { ctrl: true } },
      { input: 'hi\r', key: {} },
    ]);
    expect(splitKeys('ab\u007f\u007f', {})).toEqual([
      { input: 'ab', key: {} },
      { input: '', key: { backspace: true } },
      { input: '', key: { backspace: true } },
    ]);
  });

  it('splits escape sequences: arrows with modifiers, PgUp, Shift-Tab, Alt-letter', () => {
    expect(splitKeys('\u001b[5~\u001b[1;3B\u001b[Z\u001ba', {})).toEqual([
      { input: '', key: { pageUp: true, meta: false, ctrl: false, shift: false } },
      { input: '', key: { downArrow: true, meta: true, ctrl: false, shift: false } },
      { input: '', key: { tab: true, shift: true } },
      { input: 'a', key: { meta: true } },
    ]);
  });

  it('drops an escape sequence it does not know rather than typing it', () => {
    expect(splitKeys('\u001b[99qx', {})).toEqual([{ input: 'x', key: {} }]);
  });
});
