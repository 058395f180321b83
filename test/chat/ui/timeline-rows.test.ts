import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { formatTime, timelineRows } from '../../../src/chat/ui/timeline-rows.js';
import { ErrorCode, MsgType } from '../../../src/protocol/codes.js';
import { message, plain, T0 } from './fake-session.js';

const texts = (rows: { text: string }[]) => rows.map((r) => plain(r.text));

describe('timeline rows', () => {
  const m1 = message(1, { content: { text: 'hello alice' } });
  const meta1 = `#${m1.msgId} · 1 · 101`;

  it('puts the metadata in a right-aligned column when wide', () => {
    const rows = timelineRows([m1], { width: 100, ownUserId: 'alice' });
    expect(rows).toHaveLength(1);
    const [row] = texts(rows);
    expect(row).toContain(`${formatTime(m1.sendTime)} bob hello alice`);
    expect(row?.endsWith(meta1)).toBe(true);
    expect(rows[0]?.msgId).toBe(m1.msgId);
  });

  it('when narrow, right-aligns the metadata on the last row if it fits there with a gap, else gives it a row', () => {
    // 53 columns: an 80-column terminal's timeline once the list column, gutter and margin are off
    const hi = message(1, { content: { text: 'hi alice' } });
    const short = timelineRows([hi], { width: 53, ownUserId: 'alice' });
    expect(texts(short)).toEqual([`${formatTime(hi.sendTime)} bob hi alice${' '.repeat(53 - 13 - 8 - meta1.length)}${meta1}`]);

    const m2 = message(2, { content: { text: 'a line too long to share its row with the meta' } });
    const meta2 = `#${m2.msgId} · 2 · 102`;
    const long = texts(timelineRows([m2], { width: 53, ownUserId: 'alice' }));
    expect(long.map((r) => r.trimEnd())).toEqual([
      `${formatTime(m2.sendTime)} bob a line too long to share its row with`,
      `${' '.repeat(13)}the meta${' '.repeat(53 - 13 - 8 - meta2.length)}${meta2}`,
    ]);

    const m3 = message(3, { content: { text: 'twenty-five columns long' } });
    const own = texts(timelineRows([m3], { width: 53, ownUserId: 'alice' }));
    expect(own).toHaveLength(2);
    expect(own[0]?.trimEnd()).toBe(`${formatTime(m3.sendTime)} bob twenty-five columns long`);
    expect(own[1]).toBe(`#${m3.msgId} · 3 · 103`.padStart(53));
    for (const r of [...texts(short), ...long, ...own]) expect(stringWidth(r)).toBe(53);
  });

  it('hides the metadata when asked', () => {
    const rows = timelineRows([m1], { width: 60, ownUserId: 'alice', showMeta: false });
    expect(texts(rows)).toHaveLength(1);
    expect(texts(rows)[0]).not.toContain('#');
  });

  it('shows – for an absent pts (read diffusion)', () => {
    const m = message(7, { pts: undefined });
    expect(texts(timelineRows([m], { width: 60, ownUserId: 'alice' }))[0]?.endsWith(` #${m.msgId} · 7 · –`)).toBe(true);
  });

  it('marks pending and failed sends', () => {
    const pending = message(0, { msgId: 'pending:r1', seq: undefined, pts: undefined, status: 'pending', from: 'alice' });
    const failed = message(0, { msgId: 'pending:r2', status: 'failed', from: 'alice', error: { code: ErrorCode.NOT_FRIENDS, message: 'no' } });
    const lost = message(0, { msgId: 'pending:r3', status: 'failed', from: 'alice', error: { code: 0, message: 'connection closed' } });
    const rows = texts(timelineRows([pending, failed, lost], { width: 100, ownUserId: 'alice' }));
    expect(rows[0]?.endsWith('#… · sending')).toBe(true);
    expect(rows[1]?.endsWith('✗ NOT_FRIENDS (3001)')).toBe(true);
    expect(rows[2]?.endsWith('✗ connection closed')).toBe(true);
    // A failure is not metadata: it stays when the metadata is hidden.
    expect(texts(timelineRows([failed], { width: 100, ownUserId: 'alice', showMeta: false }))[0]).toContain('NOT_FRIENDS');
  });

  it('wraps long text by display width, every row exactly the width', () => {
    const long = message(2, { content: { text: '中文字符 '.repeat(20) + 'end 👍👍' } });
    for (const width of [40, 61, 100]) {
      const rows = timelineRows([long, m1], { width, ownUserId: 'alice' });
      expect(rows.length).toBeGreaterThan(3);
      for (const r of rows) expect(stringWidth(r.text), `${width}: ${plain(r.text)}`).toBe(width);
      expect(texts(rows).join('').replace(/ /g, '')).toContain('end👍👍'.replace(/ /g, ''));
    }
  });

  it('shows non-text messages as tags and never shows typing', () => {
    const rows = texts(
      timelineRows(
        [
          message(1, { msgType: MsgType.IMAGE, content: { url: 'http://x/y.png' } }),
          message(2, { msgType: MsgType.FILE, content: { url: 'u', name: 'report.pdf', size: 3 } }),
          message(3, { msgType: MsgType.TYPING, content: {} }),
          message(4, { msgType: MsgType.LOCATION, content: { lat: 1, lng: 2 } }),
        ],
        { width: 60, ownUserId: 'alice', showMeta: false },
      ),
    );
    expect(rows.map((r) => r.slice(13).trim())).toEqual(['[image]', '[file report.pdf]', '[location 1,2]']);
  });

  it('neutralises control characters a peer sends', () => {
    const rows = texts(timelineRows([message(1, { content: { text: 'a\u001B[2Jb' } })], { width: 60, ownUserId: 'alice', showMeta: false }));
    expect(rows[0]).toContain('a␛[2Jb');
  });

  it('separates days', () => {
    const next = message(2, { sendTime: T0 + 86_400_000 });
    const rows = timelineRows([message(1), next], { width: 60, ownUserId: 'alice', showMeta: false });
    expect(rows).toHaveLength(3);
    expect(rows[1]?.msgId).toBeNull();
    expect(plain(rows[1]?.text)).toMatch(/─ \d{4}-\d{2}-\d{2} ─/);
  });
});
