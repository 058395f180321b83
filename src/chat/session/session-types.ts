import type { ServerFrame } from '../../protocol/frames.js';
import type { ChatState } from '../model/chat-types.js';

/** One line of feedback the UI shows under the timeline: a command's result or a refusal. */
export interface Notice {
  /** Increasing per session, so a view can tell a new notice from an old one with the same text. */
  id: number;
  level: 'info' | 'error';
  /** One line; errors start with the code name, e.g. `NOT_FRIENDS (3001): alice and bob are not friends`. */
  text: string;
  at: number;
}

/** A multi-line panel that replaces the timeline until dismissed: `/help`, `/raw`, `/friend list`… */
export interface Overlay {
  title: string;
  lines: readonly string[];
}

/** What a pane renders: everything about one user's session, replaced (never mutated) on change. */
export interface SessionView {
  /** HTTP base URL of the server in use, e.g. `http://127.0.0.1:7700`: one of `nodes`. */
  server: string;
  /** Every node the session may use (`--server URL1,URL2`), in the order given; just `server` with one. */
  nodes: readonly string[];
  userId: string;
  deviceId: string;
  state: ChatState;
  /** The latest notice (null once the user typed something after it). */
  notice: Notice | null;
  overlay: Overlay | null;
  /** Peers typing in a conversation right now: convId → user ids (expire a few seconds after the TYPING push). */
  typing: Readonly<Record<string, readonly string[]>>;
}

/** A frame the client wrote, as sent (header, route, control, content…). */
export type ClientFrameOut = Record<string, unknown> & { header: { cmd: number; reqId?: string } };

/** A frame on the wire, both directions, for `--record` and the raw log. */
export type WireEvent =
  | { direction: 'out'; frame: ClientFrameOut; at: number }
  | { direction: 'in'; frame: ServerFrame; at: number };

/** An HTTP call a command made, for `--record` (only successful calls are reported). */
export interface HttpEvent {
  method: 'GET' | 'POST';
  /** Under /openapi/v1, e.g. `/group/create`. */
  path: string;
  body?: Record<string, unknown>;
  /** The envelope's `data`. */
  data: unknown;
  at: number;
}

/**
 * One user's chat session as the UI sees it. The UI never talks to the network itself: it reads
 * `view` (via `subscribe`, e.g. `useSyncExternalStore`) and calls the methods below.
 */
export interface ChatSessionHandle {
  readonly view: SessionView;
  /** Called after every change of `view`; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /**
   * A line the user entered: a slash command (`/dm bob`) or text for the selected conversation.
   * `selectedMsgId` is the message the timeline cursor is on (for `/raw`).
   */
  submit(line: string, context?: { selectedMsgId?: string | null }): void;
  /** Opens a conversation (null: none); marks it read up to its last message. */
  select(convId: string | null): void;
  /** Loads the page of history before the oldest message shown (PgUp at the top). */
  loadOlder(convId: string): void;
  /** Tells the peers in the selected conversation that the user is typing (throttled by the session). */
  typing(): void;
  dismissOverlay(): void;
  /**
   * Connects again now (Ctrl-R, `/reconnect`): after a KICK, which in turn signs out the other
   * connection of this user@device (the user's explicit choice), or to skip a backoff wait.
   * To the node in use, or, when it does not answer, the next one of `nodes`.
   */
  reconnect(): void;
}
