import type { ConnectionState } from '../model/chat-types.js';
import type { SessionView } from '../session/session-types.js';
import { typingText } from './conversation-format.js';
import { Rows } from './Rows.js';
import { fitSegments, oneLine, type Segment } from './text-width.js';
import { theme } from './theme.js';

export interface StatusLineProps {
  view: SessionView;
  width: number;
}

export function connectionSegment(c: ConnectionState): Segment {
  switch (c.kind) {
    case 'online':
      return { text: '● online', style: theme.status.online };
    case 'connecting':
      return { text: '◌ connecting…', style: theme.status.connecting };
    case 'reconnecting':
      return { text: `↻ reconnecting in ${Math.ceil(c.nextInMs / 1000)}s (attempt ${c.attempt})`, style: theme.status.reconnecting };
    case 'offline':
      return { text: `○ offline${c.reason ? `: ${oneLine(c.reason)}` : ''}`, style: theme.status.offline };
    case 'kicked':
      // The key first: a long reason is cut at the pane's edge, and the way out must not be.
      return { text: `✗ kicked (Ctrl-R reconnects): ${oneLine(c.reason)}`, style: theme.status.kicked };
  }
}

/**
 * Connection state, pts cursor, RTT, sync gaps, who is typing, then user@device and server. The
 * order is by importance: a narrow pane cuts from the right.
 */
export function StatusLine({ view, width }: StatusLineProps) {
  const { state } = view;
  const dot: Segment = { text: ' · ', style: theme.separator };
  const parts: Segment[][] = [[connectionSegment(state.connection)], [{ text: `pts ${state.pts}` }]];
  if (state.rttMs !== null) parts.push([{ text: `rtt ${Math.round(state.rttMs)}ms` }]);
  const gap = state.gaps[0];
  if (gap !== undefined) {
    const last = state.gaps[state.gaps.length - 1] ?? gap;
    parts.push([{ text: `missing pts ${gap.from}–${last.to}`, style: theme.gap }]);
  }
  if (state.gapFilled !== null) {
    const g = state.gapFilled;
    parts.push([{ text: `gap filled pts ${g.from}–${g.to} (${g.messages} msgs)`, style: theme.gap }]);
  }
  const typing = state.selected === null ? '' : typingText(view.typing[state.selected] ?? []);
  if (typing !== '') parts.push([{ text: typing, style: theme.typing }]);
  parts.push([{ text: `${oneLine(view.userId)}@${oneLine(view.deviceId)}`, style: theme.hint }], [{ text: oneLine(view.server), style: theme.hint }]);
  const segments: Segment[] = [{ text: ' ' }, ...parts.flatMap((p, i) => (i === 0 ? p : [dot, ...p]))];
  return <Rows lines={[fitSegments(segments, width)]} width={width} height={1} />;
}
