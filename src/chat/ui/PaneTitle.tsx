import { totalUnread } from '../model/chat-selectors.js';
import { nodeLabel } from '../model/node-label.js';
import type { SessionView } from '../session/session-types.js';
import { Rows } from './Rows.js';
import { displayWidth, fit, oneLine } from './text-width.js';
import { theme } from './theme.js';

export interface PaneTitleProps {
  view: SessionView;
  focused: boolean;
  /** 1-based, shown when there are several panes. */
  paneNumber?: number | undefined;
  width: number;
}

/** Whose pane this is, on which node, and how much is unread; inverted and marked `▶` when the pane has the keyboard. */
export function PaneTitle({ view, focused, paneNumber, width }: PaneTitleProps) {
  const line = paneTitleText(view, focused, paneNumber, width);
  return <Rows lines={[focused ? theme.title.focused(line) : theme.title.blurred(line)]} width={width} height={1} />;
}

/**
 * `▶ alice@default · node 2 (127.0.0.1:7702)  3 unread   [1]`, fitted to `width`. The node shows
 * only when the session was given several (`--server URL1,URL2`); where the whole label does not
 * fit it shrinks to `node 2`, then goes, before the unread count is cut.
 */
export function paneTitleText(view: SessionView, focused: boolean, paneNumber: number | undefined, width: number): string {
  const unread = totalUnread(view.state);
  const who = `${focused ? '▶' : ' '} ${oneLine(view.userId)}@${oneLine(view.deviceId)}`;
  const count = unread > 0 ? `  ${unread > 99 ? '99+' : unread} unread` : '';
  const right = paneNumber === undefined ? '' : `[${paneNumber}] `;
  const room = Math.max(0, width - displayWidth(right));
  const node = nodeLabel(view.nodes, view.server);
  const candidates = node === null ? [] : [node.long, node.short].map((n) => `${who} · ${n}${count}`);
  // One blank before the pane number, so `node 2` and `[2]` never touch.
  const left = candidates.find((c) => displayWidth(c) < room) ?? `${who}${count}`;
  const line = fit(left, room) + (displayWidth(right) <= width ? right : '');
  return fit(line, width);
}
