import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { wrapHanging } from '../../../src/chat/ui/hanging-wrap.js';

describe('wrapHanging', () => {
  it('leaves a line that fits alone', () => {
    expect(wrapHanging('  "pts": 2,', 40)).toEqual(['  "pts": 2,']);
  });

  it('wraps a `usage  description` line under its second column', () => {
    const rows = wrapHanging(`${'/dm USER'.padEnd(12)}open the one-to-one chat with a friend`, 40);
    expect(rows).toEqual(['/dm USER    open the one-to-one chat', '            with a friend']);
  });

  it('continues any other line two columns right of its own indent, never at column 0', () => {
    const rows = wrapHanging('    "text": "a long message that needs more than one row to show 中文"', 30);
    expect(rows[0]?.startsWith('    "text":')).toBe(true);
    for (const row of rows.slice(1)) expect(row).toMatch(/^ {6}\S/);
    for (const row of rows) expect(stringWidth(row)).toBeLessThanOrEqual(30);
    expect(rows.map((r) => r.trim()).join(' ')).toBe('"text": "a long message that needs more than one row to show 中文"');
  });

  it('falls back to a plain hanging indent when the second column would be too narrow', () => {
    const rows = wrapHanging(`${'/group create NAME [a,b,…]'.padEnd(30)}create a group with these members`, 40);
    expect(rows[0]).toMatch(/^\/group create/);
    for (const row of rows.slice(1)) expect(row).toMatch(/^ {2}\S/);
    for (const row of rows) expect(stringWidth(row)).toBeLessThanOrEqual(40);
  });
});
