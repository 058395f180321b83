import { displayWidth, wrap } from './text-width.js';

/** A second column narrower than this is not worth keeping: the text wraps under the line instead. */
const MIN_COLUMN_TEXT = 20;

/**
 * `line` wrapped to `width` columns with a hanging indent, so a wrapped row never starts at
 * column 0 and reads as the continuation it is. A `usage  what it does` line (two or more spaces
 * after its first words, as `/help` writes them) keeps its second column: continuation rows
 * start under it. Any other line continues two columns right of its own indent.
 */
export function wrapHanging(line: string, width: number): string[] {
  const w = Math.max(1, width);
  if (!line.includes('\n') && displayWidth(line) <= w) return [line];
  const columns = /^(\s*\S.*?\s{2,})(?=\S)/.exec(line)?.[1];
  if (columns !== undefined) {
    const at = displayWidth(columns);
    if (w - at >= MIN_COLUMN_TEXT) {
      return wrap(line.slice(columns.length), w - at).map((row, i) => (i === 0 ? columns : ' '.repeat(at)) + row);
    }
  }
  const lead = /^ */.exec(line)?.[0].length ?? 0;
  const indent = Math.min(lead + 2, Math.max(0, w - MIN_COLUMN_TEXT));
  // Every row is wrapped at the continuation width, so the first row's text lines up with the rest.
  return wrap(line.slice(lead), w - indent).map((row, i) => ' '.repeat(i === 0 ? Math.min(lead, indent) : indent) + row);
}
