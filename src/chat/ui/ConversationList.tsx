import type { Conversation } from '../model/chat-types.js';
import { convName, convTag, lastMessagePreview, TAG_WIDTH, unreadBadge } from './conversation-format.js';
import { Rows } from './Rows.js';
import { displayWidth, fit, fitSegments, padEnd, truncate } from './text-width.js';
import { theme } from './theme.js';

export interface ConversationListProps {
  /** In list order (`conversationList`). */
  conversations: readonly Conversation[];
  selected: string | null;
  width: number;
  height: number;
}

function nameRow(conv: Conversation, selected: boolean, width: number): string {
  const badge = unreadBadge(conv.unread);
  const head = `${selected ? '›' : ' '}${padEnd(convTag(conv.convType), TAG_WIDTH)} `;
  const nameWidth = Math.max(0, width - displayWidth(head) - (badge === '' ? 0 : displayWidth(badge) + 1));
  const unread = conv.unread > 0;
  const row = fitSegments(
    [
      { text: head },
      { text: fit(convName(conv), nameWidth), ...(unread ? { style: theme.unread } : {}) },
      { text: badge === '' ? '' : ` ${badge}`, style: theme.unread },
    ],
    width,
  );
  return selected ? theme.selected(row) : row;
}

function previewRow(conv: Conversation, width: number): string {
  const preview = lastMessagePreview(conv);
  return fitSegments([{ text: '   ' }, { text: truncate(preview, width - 3), style: theme.meta }], width);
}

/**
 * The wide variant: one row per conversation (type tag, name, right-aligned unread count, bold
 * when unread, the selected one inverted and marked `›`), plus a dim preview of its last
 * message when every conversation has room for two rows. Scrolls to keep the selection visible.
 */
export function ConversationList({ conversations, selected, width, height }: ConversationListProps) {
  const lines: string[] = [];
  if (conversations.length === 0) {
    lines.push(fitSegments([{ text: ' no conversations', style: theme.hint }], width));
  } else {
    const perItem = conversations.length * 2 <= height ? 2 : 1;
    const visible = Math.max(1, Math.floor(height / perItem));
    const at = Math.max(0, conversations.findIndex((c) => c.convId === selected));
    const start = at < visible ? 0 : at - visible + 1;
    for (const conv of conversations.slice(start, start + visible)) {
      lines.push(nameRow(conv, conv.convId === selected, width));
      if (perItem === 2) lines.push(previewRow(conv, width));
    }
  }
  while (lines.length < height) lines.push(' '.repeat(width));
  return <Rows lines={lines} width={width} height={height} />;
}
