import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Columns `text` takes in a terminal (ANSI escapes take none; CJK and emoji take two). */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** The longest prefix of `text` at most `width` columns wide, whole graphemes only. */
export function cut(text: string, width: number): string {
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    const w = displayWidth(g);
    if (used + w > width) break;
    out += g;
    used += w;
  }
  return out;
}

/**
 * `text` cut to at most `width` columns, ending in `…` when something was cut. Works on plain
 * text only: callers style after fitting, since a cut through an escape sequence breaks it.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  return `${cut(text, width - 1)}…`;
}

/** Spaces appended up to `width` columns (nothing when already that wide). */
export function padEnd(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? text + ' '.repeat(missing) : text;
}

/** Spaces prepended up to `width` columns. */
export function padStart(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? ' '.repeat(missing) + text : text;
}

/**
 * Exactly `width` columns: truncated with `…`, then padded. A wide character that would straddle
 * the edge is dropped and its column padded, so rows of mixed scripts still line up.
 */
export function fit(text: string, width: number): string {
  return padEnd(truncate(text, width), width);
}

// C0 controls, DEL and C1 controls: an ESC or a CR inside a message must not reach the
// terminal, it would move the cursor and break the layout (or let a peer restyle the screen).
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * Message text made safe to print: tabs become spaces, CR LF / CR become LF (kept, `wrap` breaks
 * on it), every other control character shows as its Unicode control picture (ESC → ␛).
 */
export function sanitize(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '    ')
    .replace(CONTROL, (c) => {
      const code = c.charCodeAt(0);
      if (code < 0x20) return String.fromCharCode(0x2400 + code);
      return code === 0x7f ? '\u2421' : '\uFFFD';
    });
}

/** `sanitize` for a single line: line breaks show as `↵`. */
export function oneLine(text: string): string {
  return sanitize(text).replace(/\n/g, '↵');
}

/** A word longer than a line, cut into pieces of at most `width` columns. */
function hardBreak(word: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const g of graphemes(word)) {
    // A two-column character cannot fit a one-column line at all; it shows as `?` there.
    const w = displayWidth(g);
    const shown = w > width ? '?' : g;
    const sw = w > width ? 1 : w;
    if (used + sw > width && piece !== '') {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += shown;
    used += sw;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

function wrapParagraph(paragraph: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let used = 0;
  let gap = '';
  for (const token of paragraph.split(/( +)/)) {
    if (token === '') continue;
    if (token.startsWith(' ')) {
      gap = token;
      continue;
    }
    const w = displayWidth(token);
    // Spaces before the first word of the paragraph are kept (indentation); at a break they go.
    const gapW = line === '' && lines.length > 0 ? 0 : displayWidth(gap);
    if (used + gapW + w <= width) {
      line += (gapW > 0 ? gap : '') + token;
      used += gapW + w;
    } else if (w <= width) {
      if (line !== '') lines.push(line);
      line = token;
      used = w;
    } else {
      if (line !== '') lines.push(line);
      const pieces = hardBreak(token, width);
      line = pieces.pop() ?? '';
      used = displayWidth(line);
      lines.push(...pieces);
    }
    gap = '';
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Lines of at most `width` columns each: breaks at spaces where it can, cuts words longer than a
 * line, keeps the text's own line breaks. An empty text is one empty line.
 */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  return text.split('\n').flatMap((p) => wrapParagraph(p, w));
}

/** A run of plain text and the style it is printed in. */
export interface Segment {
  text: string;
  style?: (s: string) => string;
}

/**
 * Styled segments laid out in exactly `width` columns: when they do not fit, the segment that
 * overflows is cut and ends in `…` (in its own style) and the rest are dropped; otherwise the
 * row is padded with spaces.
 */
export function fitSegments(segments: readonly Segment[], width: number): string {
  if (width <= 0) return '';
  const total = segments.reduce((n, s) => n + displayWidth(s.text), 0);
  const budget = total > width ? width - 1 : width;
  let out = '';
  let used = 0;
  for (const { text, style = (s: string) => s } of segments) {
    const w = displayWidth(text);
    if (used + w <= budget) {
      if (text !== '') out += style(text);
      used += w;
      continue;
    }
    const part = cut(text, budget - used);
    out += style(`${part}…`);
    used += displayWidth(part) + 1;
    break;
  }
  return out + ' '.repeat(Math.max(0, width - used));
}
