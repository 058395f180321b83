import type { Overlay } from '../session/session-types.js';
import { Rows } from './Rows.js';
import { wrapHanging } from './hanging-wrap.js';
import { displayWidth, fit, fitSegments, oneLine, sanitize } from './text-width.js';
import { theme } from './theme.js';

export interface OverlayViewProps {
  overlay: Overlay;
  width: number;
  /** Title row included. */
  height: number;
  /** Body rows scrolled down. */
  scroll: number;
}

/**
 * The overlay's lines wrapped to `width`, with a blank column on either side (off the list's and
 * the next pane's dividers) and a hanging indent on wrapped rows: what scrolls under the title row.
 */
export function overlayBody(overlay: Overlay, width: number): string[] {
  return overlay.lines.flatMap((line) => wrapHanging(sanitize(line), Math.max(1, width - 2)).map((l) => ` ${l}`));
}

/** `/help`, `/raw`, … in place of the timeline: a title row, then the lines (↑/↓ PgUp/PgDn scroll, Esc closes). */
export function OverlayView({ overlay, width, height, scroll }: OverlayViewProps) {
  const body = overlayBody(overlay, width);
  const bodyHeight = Math.max(0, height - 1);
  const top = Math.max(0, Math.min(scroll, body.length - bodyHeight));
  const position = body.length > bodyHeight ? ` ${top + 1}–${Math.min(body.length, top + bodyHeight)}/${body.length} ` : '';
  const titleText = fit(` ${oneLine(overlay.title)}`, Math.max(0, width - displayWidth(position)));
  const title = theme.selected(fitSegments([{ text: titleText }, { text: position }], width));
  const shown = body.slice(top, top + bodyHeight).map((l) => fit(l, width));
  while (shown.length < bodyHeight) shown.push(' '.repeat(width));
  return <Rows lines={[title, ...shown]} width={width} height={height} />;
}
