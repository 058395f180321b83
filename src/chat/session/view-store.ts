import { reduce } from '../model/chat-state.js';
import type { ChatEvent } from '../model/chat-types.js';
import type { Notice, Overlay, SessionView } from './session-types.js';

/** How long a "bob is typing…" lasts without another TYPING push (clients resend every few seconds). */
export const TYPING_TTL_MS = 5_000;

/**
 * The session's view and its subscribers. Every change makes a new view object, so React's
 * `useSyncExternalStore` sees it; listeners run synchronously, and the renderer (ink, maxFps)
 * coalesces bursts, which is what keeps 50 messages/s from flickering.
 */
export class ViewStore {
  #view: SessionView;
  readonly #listeners = new Set<() => void>();
  #noticeId = 0;
  readonly #typingTimers = new Map<string, NodeJS.Timeout>();

  constructor(initial: SessionView) {
    this.#view = initial;
  }

  get view(): SessionView {
    return this.#view;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  dispatch(event: ChatEvent): void {
    const state = reduce(this.#view.state, event);
    if (state !== this.#view.state) this.#set({ ...this.#view, state });
  }

  notice(level: Notice['level'], text: string): void {
    this.#set({ ...this.#view, notice: { id: ++this.#noticeId, level, text, at: Date.now() } });
  }

  clearNotice(): void {
    if (this.#view.notice !== null) this.#set({ ...this.#view, notice: null });
  }

  /** The session now talks to `server` (another node of the cluster). */
  server(server: string): void {
    if (server !== this.#view.server) this.#set({ ...this.#view, server });
  }

  overlay(overlay: Overlay | null): void {
    this.#set({ ...this.#view, overlay });
  }

  /** `userId` is typing in `convId`; expires after TYPING_TTL_MS unless renewed. */
  typing(convId: string, userId: string): void {
    const key = `${convId}\u0000${userId}`;
    clearTimeout(this.#typingTimers.get(key));
    this.#typingTimers.set(key, setTimeout(() => this.stoppedTyping(convId, userId), TYPING_TTL_MS).unref());
    const now = this.#view.typing[convId] ?? [];
    if (!now.includes(userId)) this.#set({ ...this.#view, typing: { ...this.#view.typing, [convId]: [...now, userId] } });
  }

  /** A message from `userId` ends their typing notice at once, as every chat app does. */
  stoppedTyping(convId: string, userId: string): void {
    const key = `${convId}\u0000${userId}`;
    clearTimeout(this.#typingTimers.get(key));
    this.#typingTimers.delete(key);
    const now = this.#view.typing[convId];
    if (now === undefined || !now.includes(userId)) return;
    const rest = now.filter((u) => u !== userId);
    const { [convId]: _gone, ...others } = this.#view.typing;
    this.#set({ ...this.#view, typing: rest.length === 0 ? others : { ...others, [convId]: rest } });
  }

  close(): void {
    for (const timer of this.#typingTimers.values()) clearTimeout(timer);
    this.#typingTimers.clear();
    this.#listeners.clear();
  }

  #set(view: SessionView): void {
    this.#view = view;
    for (const listener of [...this.#listeners]) listener();
  }
}
