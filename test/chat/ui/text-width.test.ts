import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { displayWidth, fit, fitSegments, sanitize, truncate, wrap } from '../../../src/chat/ui/text-width.js';

describe('text width', () => {
  it('measures wide characters as two columns', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('中文')).toBe(4);
    expect(displayWidth('👍')).toBe(2);
    expect(displayWidth('\u001B[31mab\u001B[39m')).toBe(2);
  });

  it('fits every row to exactly N columns, whatever the script', () => {
    const samples = ['hello', '中文字符测试', 'a中b文c', '👍👍👍 ok', 'é́ combining', '', 'x'.repeat(50), '👨‍👩‍👧 family'];
    for (const width of [1, 2, 3, 4, 5, 7, 10, 20]) {
      for (const s of samples) {
        const out = fit(s, width);
        expect(stringWidth(out), `${JSON.stringify(s)} at ${width}: ${JSON.stringify(out)}`).toBe(width);
      }
    }
  });

  it('never splits a wide character: it pads instead', () => {
    expect(fit('中文字', 4)).toBe('中… ');
    expect(fit('中文', 4)).toBe('中文');
    expect(fit('a中文', 4)).toBe('a中…');
    expect(fit('👍👍', 3)).toBe('👍…');
    expect(fit('ab', 5)).toBe('ab   ');
  });

  it('truncates with an ellipsis only when needed', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello!', 5)).toBe('hell…');
    expect(truncate('hello', 1)).toBe('…');
    expect(truncate('hello', 0)).toBe('');
  });

  it('wraps at spaces, hard-breaks long words, keeps line breaks', () => {
    expect(wrap('the quick brown fox', 10)).toEqual(['the quick', 'brown fox']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrap('one\ntwo', 10)).toEqual(['one', 'two']);
    expect(wrap('', 10)).toEqual(['']);
    expect(wrap('hi averyveryverylongword', 10)).toEqual(['hi', 'averyveryv', 'erylongwor', 'd']);
  });

  it('wraps wide text by display width', () => {
    const lines = wrap('中文字符测试中文字符测试 hello 👍👍👍👍', 7);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(7);
    expect(lines.join('').replace(/ /g, '')).toBe('中文字符测试中文字符测试hello👍👍👍👍');
  });

  it('wraps a wide character into a one-column line without overflowing', () => {
    const lines = wrap('中a', 1);
    // A line for the wide character and one for `a` (the loop alone passed a wrap that returned none).
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(1);
  });

  it('shows control characters instead of sending them to the terminal', () => {
    expect(sanitize('a\u001B[2Jb')).toBe('a␛[2Jb');
    expect(sanitize('a\r\nb\tc')).toBe('a\nb    c');
  });

  it('fits styled segments, cutting the one that overflows', () => {
    const upper = (s: string) => `<${s}>`;
    expect(fitSegments([{ text: 'ab' }, { text: 'cd', style: upper }], 6)).toBe('ab<cd>  ');
    expect(fitSegments([{ text: 'abc' }, { text: 'defgh', style: upper }], 6)).toBe('abc<de…>');
  });
});
