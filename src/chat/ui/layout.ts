/** Side by side when every pane gets at least this many columns. */
export const MIN_SIDE_BY_SIDE_WIDTH = 50;
/** Stacked when every pane gets at least this many rows (else side by side anyway). */
export const MIN_STACKED_HEIGHT = 9;
/** A pane at least this wide shows the conversation list as a left column. */
// Below 100 columns the list column would leave an 80-column terminal too little room for one-row
// messages beside their msgId · seq · pts, so narrower panes get the one-line bar instead.
export const LIST_COLUMN_MIN_PANE_WIDTH = 100;
export const LIST_COLUMN_WIDTH = 24;

export interface PaneSize {
  width: number;
  height: number;
}

export interface PaneLayout {
  direction: 'row' | 'column';
  panes: PaneSize[];
}

/** `total` split in `count` parts, the remainder going to the last one. */
function split(total: number, count: number): number[] {
  const each = Math.max(0, Math.floor(total / count));
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? Math.max(0, total - each * (count - 1)) : each));
}

/**
 * How `paneCount` panes share a `columns` × `rows` area. Side by side panes are separated by one
 * column, counted here: widths plus separators add up to `columns`, heights to `rows`.
 */
export function paneLayout(columns: number, rows: number, paneCount: number): PaneLayout {
  const count = Math.max(1, paneCount);
  const separators = count - 1;
  const widthEach = Math.floor((columns - separators) / count);
  const sideBySide = (): PaneLayout => ({
    direction: 'row',
    panes: split(Math.max(0, columns - separators), count).map((width) => ({ width, height: rows })),
  });
  if (count === 1 || widthEach >= MIN_SIDE_BY_SIDE_WIDTH) return sideBySide();
  if (Math.floor(rows / count) >= MIN_STACKED_HEIGHT) {
    return { direction: 'column', panes: split(rows, count).map((height) => ({ width: columns, height })) };
  }
  return sideBySide();
}

/** Where things go inside one pane; every height is 0 or more and they add up to the pane's. */
export interface PaneRegions {
  /** `column`: the list is a left column beside the timeline; `bar`: a one-line bar on top. */
  list: 'column' | 'bar';
  /** Columns of the list column (0 for the bar); a one-column separator follows it. */
  listWidth: number;
  /** Rows of the title line (pane owner, focus). */
  titleHeight: number;
  /** Rows of the conversation bar (0 in the column variant). */
  barHeight: number;
  timelineWidth: number;
  /** Rows of the timeline, which the list column shares in the column variant. */
  timelineHeight: number;
  noticeHeight: number;
  inputHeight: number;
  statusHeight: number;
}

/** The lines of a pane at `width` × `height`, dropping the least useful ones first when it is tiny. */
export function paneRegions(width: number, height: number): PaneRegions {
  const column = width >= LIST_COLUMN_MIN_PANE_WIDTH;
  let left = Math.max(0, height);
  const take = (): number => {
    if (left <= 0) return 0;
    left--;
    return 1;
  };
  // Priority order: what the user types into, then connection state, whose pane it is, feedback.
  const inputHeight = take();
  const statusHeight = take();
  const titleHeight = take();
  const noticeHeight = take();
  const barHeight = column ? 0 : take();
  const listWidth = column ? LIST_COLUMN_WIDTH : 0;
  return {
    list: column ? 'column' : 'bar',
    listWidth,
    titleHeight,
    barHeight,
    timelineWidth: column ? width - listWidth - 1 : Math.max(0, width),
    timelineHeight: left,
    noticeHeight,
    inputHeight,
    statusHeight,
  };
}
