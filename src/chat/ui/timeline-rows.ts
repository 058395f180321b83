import type { ChatMessage } from '../model/chat-types.js';
import { errorName, MsgType } from '../../protocol/codes.js';
import { displayWidth, fitSegments, oneLine, padStart, sanitize, truncate, wrap, type Segment } from './text-width.js';
import { theme } from './theme.js';

/** A timeline at least this wide shows the metadata as a right-aligned column. */
export const META_COLUMN_MIN_WIDTH = 90;
/** Columns at least between a message's text and metadata sharing its last row. */
const META_GAP = 1;

export interface TimelineRow {
  /** The message this row shows; null for a day separator. */
  msgId: string | null;
  /** Styled, exactly the width asked for. */
  text: string;
}

export interface TimelineRowsOptions {
  /** Columns of each row. */
  width: number;
  /** Whose messages get the own colour. */
  ownUserId: string;
  /** `#msgId · seq · pts` on each message (Ctrl-T). Default true. */
  showMeta?: boolean;
  /** Metadata as a column on the first row rather than a row below. Default: `width` ≥ 90. */
  metaColumn?: boolean;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `HH:MM:SS` in local time. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function dayLabel(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** What a message says, as one string (may hold line breaks); non-text types as a `[tag]`. */
export function messageBody(m: ChatMessage): { text: string; style?: (s: string) => string } {
  const c = m.content;
  const tag = (s: string) => ({ text: `[${s}]`, style: theme.hint });
  switch (m.msgType) {
    case MsgType.TEXT:
      return { text: str(c.text) ?? JSON.stringify(c) };
    case MsgType.IMAGE:
      return tag('image');
    case MsgType.FILE:
      return tag(`file ${str(c.name) ?? ''}`.trim());
    case MsgType.AUDIO:
      return tag(c.seconds === undefined ? 'audio' : `audio ${str(c.seconds)}s`);
    case MsgType.VIDEO:
      return tag(c.seconds === undefined ? 'video' : `video ${str(c.seconds)}s`);
    case MsgType.LOCATION:
      return tag(`location ${str(c.label) ?? `${str(c.lat) ?? '?'},${str(c.lng) ?? '?'}`}`);
    case MsgType.CUSTOM:
      return tag(`custom ${JSON.stringify(c.data) ?? ''}`.trim());
    case MsgType.SYSTEM:
      return { text: str(c.text) ?? JSON.stringify(c), style: theme.system };
    default:
      return tag(`type ${m.msgType as number} ${JSON.stringify(c)}`);
  }
}

/** The metadata of a message, or null when there is none to show. */
export function messageMeta(m: ChatMessage, showMeta: boolean): Segment | null {
  if (m.status === 'failed') {
    const code = m.error?.code ?? 0;
    // Code 0: the SEND never reached the server (the session says why), there is no error code.
    const text = code === 0 ? `✗ ${oneLine(m.error?.message ?? 'not sent')}` : `✗ ${errorName(code)} (${code})`;
    return { text, style: theme.error };
  }
  if (m.status === 'pending') return { text: showMeta ? '#… · sending' : 'sending…', style: theme.meta };
  if (!showMeta) return null;
  return { text: `#${m.msgId} · ${m.seq ?? '–'} · ${m.pts ?? '–'}`, style: theme.meta };
}

/**
 * Display rows for a conversation's messages (as `timelineView` gives them), oldest first: time,
 * sender and wrapped text, with the metadata either as a right-aligned column on the first row or
 * as a dim row under the message. Typing notifications never show.
 */
export function timelineRows(messages: readonly ChatMessage[], options: TimelineRowsOptions): TimelineRow[] {
  const { width, ownUserId } = options;
  if (width <= 0) return [];
  const showMeta = options.showMeta ?? true;
  const metaColumn = options.metaColumn ?? width >= META_COLUMN_MIN_WIDTH;
  const shown = messages.filter((m) => m.msgType !== MsgType.TYPING);
  const showTime = width >= 30;
  const nickCap = width >= 60 ? 12 : 8;
  // Measured per sender, not per message: this runs on every new message, over the whole timeline.
  const senders = new Set(shown.map((m) => m.from));
  const nickWidth = Math.min(nickCap, [...senders].reduce((n, from) => Math.max(n, displayWidth(oneLine(from))), 1));
  const prefixWidth = (showTime ? 9 : 0) + nickWidth + 1;
  const rows: TimelineRow[] = [];
  let lastDay: string | null = null;

  const layoutKey = `${width}|${showMeta}|${metaColumn}|${nickWidth}|${ownUserId}`;
  for (const m of shown) {
    const day = dayLabel(m.sendTime);
    if (lastDay !== null && day !== lastDay) {
      const label = ` ${day} `;
      const side = Math.max(0, Math.floor((width - displayWidth(label)) / 2));
      rows.push({ msgId: null, text: fitSegments([{ text: '─'.repeat(side) + label + '─'.repeat(width), style: theme.meta }], width) });
    }
    lastDay = day;
    rows.push(...cachedRows(m, layoutKey, () => messageRows(m, { width, ownUserId, showMeta, metaColumn, showTime, nickWidth, prefixWidth })));
  }
  return rows;
}

// Messages are never mutated (the state is replaced), so one message's rows for one layout can be
// reused: a new message then costs one message's wrapping, not the whole conversation's.
const rowCache = new WeakMap<ChatMessage, { key: string; rows: TimelineRow[] }>();

function cachedRows(m: ChatMessage, key: string, build: () => TimelineRow[]): TimelineRow[] {
  const hit = rowCache.get(m);
  if (hit?.key === key) return hit.rows;
  const rows = build();
  rowCache.set(m, { key, rows });
  return rows;
}

interface MessageLayout {
  width: number;
  ownUserId: string;
  showMeta: boolean;
  metaColumn: boolean;
  showTime: boolean;
  nickWidth: number;
  prefixWidth: number;
}

function messageRows(m: ChatMessage, layout: MessageLayout): TimelineRow[] {
  const { width, ownUserId, showMeta, metaColumn, showTime, nickWidth, prefixWidth } = layout;
  const rows: TimelineRow[] = [];
  const body = messageBody(m);
  const bodyStyle = m.status === 'pending' ? theme.meta : body.style;
  const meta = messageMeta(m, showMeta);
  const metaWidth = meta === null ? 0 : displayWidth(meta.text);
  const columnTextWidth = width - prefixWidth - metaWidth - 1;
  const column = meta !== null && metaColumn && columnTextWidth >= 10;
  const textWidth = Math.max(1, column ? columnTextWidth : width - prefixWidth);
  const lines = wrap(sanitize(body.text), textWidth);
  // Without the column, the metadata goes at the right end of the last row when it fits there
  // with a gap: a short message is one row. Otherwise it gets a row of its own.
  const lastWidth = displayWidth(lines[lines.length - 1] ?? '');
  const onLast = meta !== null && !column && lastWidth + META_GAP + metaWidth <= textWidth;
  const nick = oneLine(m.from);
  const nickStyle = m.from === ownUserId ? theme.own : (s: string) => theme.peer(m.from, s);

  lines.forEach((line, i) => {
    const segments: Segment[] = [];
    if (i === 0) {
      if (showTime) segments.push({ text: `${formatTime(m.sendTime)} `, style: theme.time });
      segments.push({ text: padStart(truncate(nick, nickWidth), nickWidth), style: nickStyle }, { text: ' ' });
    } else {
      segments.push({ text: ' '.repeat(prefixWidth) });
    }
    segments.push({ text: line, style: bodyStyle });
    const metaHere = meta !== null && ((column && i === 0) || (onLast && i === lines.length - 1));
    if (metaHere) {
      // Right-aligned either way: after the text column and one space, or at the end of the text's row.
      const pad = column ? textWidth - displayWidth(line) + 1 : textWidth - displayWidth(line) - metaWidth;
      segments.push({ text: ' '.repeat(Math.max(0, pad)) }, meta);
    }
    rows.push({ msgId: m.msgId, text: fitSegments(segments, width) });
  });
  if (meta !== null && !column && !onLast) rows.push({ msgId: m.msgId, text: fitSegments([{ text: padStart(meta.text, width), style: meta.style }], width) });
  return rows;
}
