import { describe, expect, it } from 'vitest';
import { paneLayout, paneRegions, type PaneLayout } from '../../../src/chat/ui/layout.js';

function checkSums(layout: PaneLayout, columns: number, rows: number): void {
  if (layout.direction === 'row') {
    expect(layout.panes.reduce((n, p) => n + p.width, 0) + layout.panes.length - 1).toBe(columns);
    for (const p of layout.panes) expect(p.height).toBe(rows);
  } else {
    expect(layout.panes.reduce((n, p) => n + p.height, 0)).toBe(rows);
    for (const p of layout.panes) expect(p.width).toBe(columns);
  }
}

describe('pane layout', () => {
  it('80×24 with one, two and three panes', () => {
    expect(paneLayout(80, 24, 1)).toEqual({ direction: 'row', panes: [{ width: 80, height: 24 }] });
    // Two panes of 39 columns are too narrow: stacked, 12 rows each.
    expect(paneLayout(80, 24, 2)).toEqual({ direction: 'column', panes: [{ width: 80, height: 12 }, { width: 80, height: 12 }] });
    // Three stacked panes would get 8 rows: side by side anyway.
    const three = paneLayout(80, 24, 3);
    expect(three.direction).toBe('row');
    expect(three.panes.map((p) => p.width)).toEqual([26, 26, 26]);
    checkSums(three, 80, 24);
  });

  it('200×50 puts two or three panes side by side', () => {
    const two = paneLayout(200, 50, 2);
    expect(two.direction).toBe('row');
    expect(two.panes.map((p) => p.width)).toEqual([99, 100]);
    const three = paneLayout(200, 50, 3);
    expect(three.direction).toBe('row');
    checkSums(three, 200, 50);
  });

  it('adds up exactly for any size, the remainder going to the last pane', () => {
    for (const [c, r] of [[80, 23], [81, 23], [101, 40], [150, 20], [40, 10], [10, 3]] as const) {
      for (let n = 1; n <= 5; n++) checkSums(paneLayout(c, r, n), c, r);
    }
    expect(paneLayout(80, 23, 2).panes.map((p) => p.height)).toEqual([11, 12]);
  });
});

describe('pane regions', () => {
  const total = (r: ReturnType<typeof paneRegions>) => r.titleHeight + r.barHeight + r.timelineHeight + r.noticeHeight + r.inputHeight + r.statusHeight;

  it('a wide pane has a list column beside the timeline', () => {
    const r = paneRegions(100, 23);
    expect(r).toMatchObject({ list: 'column', listWidth: 24, timelineWidth: 75, barHeight: 0, timelineHeight: 19 });
    expect(total(r)).toBe(23);
  });

  it('a narrow pane has a conversation bar on top', () => {
    const r = paneRegions(60, 12);
    expect(r).toMatchObject({ list: 'bar', listWidth: 0, timelineWidth: 60, barHeight: 1, timelineHeight: 7 });
    expect(total(r)).toBe(12);
  });

  it('a tiny pane keeps the input line first', () => {
    for (let h = 0; h < 8; h++) expect(total(paneRegions(40, h))).toBe(h);
    expect(paneRegions(40, 1)).toMatchObject({ inputHeight: 1, statusHeight: 0, timelineHeight: 0 });
  });
});
