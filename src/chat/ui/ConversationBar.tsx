import type { Conversation } from '../model/chat-types.js';
import { convName, convTag, unreadBadge } from './conversation-format.js';
import { Rows } from './Rows.js';
import { displayWidth, fitSegments, type Segment } from './text-width.js';
import { theme } from './theme.js';

export interface ConversationBarProps {
  conversations: readonly Conversation[];
  selected: string | null;
  width: number;
}

const SEPARATOR = ' │ ';

/**
 * The narrow variant of the list: one line of `[tag] name (N)` items. The selected item is
 * inverted and marked `›`; when it would fall off the right edge the bar starts later, with `‹`
 * saying that items were skipped.
 */
export function ConversationBar({ conversations, selected, width }: ConversationBarProps) {
  let line: string;
  if (conversations.length === 0) {
    line = fitSegments([{ text: ' no conversations — /dm USER', style: theme.hint }], width);
  } else {
    const items = conversations.map((c) => {
      const isSelected = c.convId === selected;
      const badge = unreadBadge(c.unread);
      const text = `${isSelected ? '›' : ''}${convTag(c.convType)} ${convName(c)}${badge === '' ? '' : ` ${badge}`}`;
      const base = c.unread > 0 ? theme.unread : undefined;
      const style = isSelected ? (s: string) => theme.selected(base ? base(s) : s) : base;
      return { text, ...(style ? { style } : {}) } satisfies Segment;
    });
    const at = Math.max(0, conversations.findIndex((c) => c.convId === selected));
    // Skip items from the left until the selected one ends inside the line.
    let start = 0;
    const endOf = (from: number): number =>
      items.slice(from, at + 1).reduce((n, it, i) => n + displayWidth(it.text) + (i > 0 ? SEPARATOR.length : 0), from > 0 ? 2 : 0);
    while (start < at && endOf(start) > width) start++;
    const segments: Segment[] = start > 0 ? [{ text: '‹ ', style: theme.hint }] : [];
    items.slice(start).forEach((it, i) => {
      if (i > 0) segments.push({ text: SEPARATOR, style: theme.separator });
      segments.push(it);
    });
    line = fitSegments(segments, width);
  }
  return <Rows lines={[line]} width={width} height={1} />;
}
