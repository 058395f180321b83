import { totalUnread } from '../model/chat-selectors.js';
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

/** Whose pane this is and how much is unread; inverted and marked `▶` when the pane has the keyboard. */
export function PaneTitle({ view, focused, paneNumber, width }: PaneTitleProps) {
  const unread = totalUnread(view.state);
  const left = `${focused ? '▶' : ' '} ${oneLine(view.userId)}@${oneLine(view.deviceId)}${unread > 0 ? `  ${unread > 99 ? '99+' : unread} unread` : ''}`;
  const right = paneNumber === undefined ? '' : `[${paneNumber}] `;
  const line = fit(left, Math.max(0, width - displayWidth(right))) + (displayWidth(right) <= width ? right : '');
  const fitted = fit(line, width);
  return <Rows lines={[focused ? theme.title.focused(fitted) : theme.title.blurred(fitted)]} width={width} height={1} />;
}
