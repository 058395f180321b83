import type { Conversation } from '../model/chat-types.js';
import { ConvType } from '../../protocol/codes.js';
import { messageBody } from './timeline-rows.js';
import { oneLine } from './text-width.js';

const TAGS: Readonly<Record<number, string>> = {
  [ConvType.SINGLE]: '[1:1]',
  [ConvType.GROUP]: '[grp]',
  [ConvType.CHATROOM]: '[room]',
  [ConvType.CHANNEL]: '[chan]',
  [ConvType.MILLION_GROUP]: '[mgrp]',
  [ConvType.SYSTEM_CONVERSATION]: '[sys]',
  [ConvType.CUSTOM_CONVERSATION]: '[cust]',
  [ConvType.STRANGER_CHAT]: '[strg]',
};

/** Widest tag, so names line up in the list. */
export const TAG_WIDTH = 6;

export function convTag(convType: number): string {
  return TAGS[convType] ?? `[${convType}]`;
}

/** `(3)`, `(99+)` above 99, empty when nothing is unread. */
export function unreadBadge(unread: number): string {
  if (unread <= 0) return '';
  return unread > 99 ? '(99+)' : `(${unread})`;
}

export function convName(conv: Conversation): string {
  return oneLine(conv.name !== '' ? conv.name : conv.target);
}

/** `bob: see you`, one line, for the list's preview row. */
export function lastMessagePreview(conv: Conversation): string {
  const m = conv.lastMessage;
  if (m === null) return '';
  return oneLine(`${m.from}: ${messageBody(m).text}`);
}

/** `bob is typing…`, `bob and carol are typing…`, `4 people are typing…`; empty when nobody is. */
export function typingText(users: readonly string[]): string {
  const [a, b] = users;
  if (a === undefined) return '';
  if (b === undefined) return `${oneLine(a)} is typing…`;
  if (users.length === 2) return `${oneLine(a)} and ${oneLine(b)} are typing…`;
  return `${users.length} people are typing…`;
}
