import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { createChatState } from '../../../src/chat/model/chat-state.js';
import type { ChatMessage, ChatState, Conversation } from '../../../src/chat/model/chat-types.js';
import type { ChatSessionHandle, SessionView } from '../../../src/chat/session/session-types.js';
import { ConvType, MsgType } from '../../../src/protocol/codes.js';

/** A ChatSessionHandle whose view the test replaces, recording every call the UI makes. */
export class FakeSession implements ChatSessionHandle {
  view: SessionView;
  readonly #listeners = new Set<() => void>();
  readonly submitted: { line: string; selectedMsgId: string | null | undefined }[] = [];
  readonly selected: (string | null)[] = [];
  readonly loadOlderCalls: string[] = [];
  typingCalls = 0;
  dismissCalls = 0;
  reconnectCalls = 0;

  constructor(userId: string, patch: Partial<SessionView> = {}) {
    this.view = {
      server: 'http://127.0.0.1:7700',
      nodes: ['http://127.0.0.1:7700'],
      userId,
      deviceId: 'default',
      state: createChatState(userId),
      notice: null,
      overlay: null,
      typing: {},
      ...patch,
    };
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces the view (never mutates it, as the real session does) and notifies. */
  update(patch: Partial<SessionView>): void {
    this.view = { ...this.view, ...patch };
    for (const l of this.#listeners) l();
  }

  updateState(patch: Partial<ChatState>): void {
    this.update({ state: { ...this.view.state, ...patch } });
  }

  submit(line: string, context?: { selectedMsgId?: string | null }): void {
    this.submitted.push({ line, selectedMsgId: context?.selectedMsgId });
  }

  select(convId: string | null): void {
    this.selected.push(convId);
    this.updateState({ selected: convId });
  }

  loadOlder(convId: string): void {
    this.loadOlderCalls.push(convId);
  }

  typing(): void {
    this.typingCalls++;
  }

  dismissOverlay(): void {
    this.dismissCalls++;
    this.update({ overlay: null });
  }

  reconnect(): void {
    this.reconnectCalls++;
  }
}

export function conversation(convId: string, patch: Partial<Conversation> = {}): Conversation {
  return {
    convId,
    convType: ConvType.SINGLE,
    target: convId.split(':').pop() ?? convId,
    name: convId.split(':').pop() ?? convId,
    maxSeq: 0,
    readSeq: 0,
    unread: 0,
    peerReadSeq: null,
    lastMessage: null,
    lastActivity: 0,
    hasMoreHistory: false,
    ...patch,
  };
}

export const T0 = new Date(2025, 0, 2, 9, 5, 7).getTime();

export function message(seq: number, patch: Partial<ChatMessage> = {}): ChatMessage {
  return {
    msgId: `38523666758736${String(seq).padStart(4, '0')}`,
    convId: 'single:alice:bob',
    convType: ConvType.SINGLE,
    msgType: MsgType.TEXT,
    from: 'bob',
    to: 'alice',
    seq,
    pts: seq + 100,
    sendTime: T0 + seq * 1000,
    content: { text: `message ${seq}` },
    status: 'stored',
    ...patch,
  };
}

/** A state with the given conversations and their timelines. */
export function stateWith(userId: string, convs: Conversation[], timelines: Record<string, ChatMessage[]> = {}, selected: string | null = null): ChatState {
  return {
    ...createChatState(userId),
    conversations: Object.fromEntries(convs.map((c) => [c.convId, c])),
    timelines,
    selected,
    connection: { kind: 'online' },
  };
}

export const plain = (s: string | undefined): string => stripVTControlCharacters(s ?? '');

/** Polls `check` until it passes or the deadline; the error shows `describe()`, e.g. the last frame. */
export async function until(check: () => boolean, describe: () => string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; now:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every line at most `columns` wide and exactly `rows` lines. */
export function frameShape(frame: string): { lines: number; widest: number } {
  const lines = plain(frame).split('\n');
  return { lines: lines.length, widest: Math.max(...lines.map((l) => stringWidth(l))) };
}
