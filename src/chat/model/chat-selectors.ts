import type { ChatMessage, ChatState, Conversation } from './chat-types.js';

/** Conversations, most recent activity first (ties by convId, so the order is stable). */
export function conversationList(state: ChatState): Conversation[] {
  return Object.values(state.conversations).sort(
    (a, b) => b.lastActivity - a.lastActivity || a.convId.localeCompare(b.convId),
  );
}

/**
 * The first conversation with unread messages after the selected one in list order, wrapping
 * around; `null` when nothing else is unread. The selected one counts only if it is the only one.
 */
export function nextUnread(state: ChatState): string | null {
  const list = conversationList(state);
  const start = list.findIndex((c) => c.convId === state.selected);
  for (let i = 1; i <= list.length; i++) {
    const conv = list[(start + i + list.length) % list.length];
    if (conv !== undefined && conv.unread > 0) return conv.convId;
  }
  return null;
}

/** A conversation's stored messages (ascending seq) followed by its pending/failed own sends. */
export function timelineView(state: ChatState, convId: string): ChatMessage[] {
  const pending = Object.values(state.pending)
    .filter((m) => m.convId === convId)
    .sort((a, b) => a.sendTime - b.sendTime);
  return [...(state.timelines[convId] ?? []), ...pending];
}

/**
 * The pts to persist and to SYNC from: the cursor, or just before the first unfilled gap, so a
 * restart re-fetches what a gap is still missing.
 */
export function safePts(state: ChatState): number {
  const first = state.gaps[0];
  return first === undefined ? state.pts : Math.min(state.pts, first.from - 1);
}

/** Total unread across conversations (the view turns > 99 into `99+`). */
export function totalUnread(state: ChatState): number {
  return Object.values(state.conversations).reduce((n, c) => n + c.unread, 0);
}
