import type { FrameSharer } from './frame-sharer.js';
import type { ConvType, MsgType } from '../protocol/codes.js';
import type { Content, Control, ServerFrame } from '../protocol/frames.js';

/** The public shapes of ImClient: how to connect, what it emits, what it sends. */

export interface ConnectOptions {
  /** HTTP base, e.g. `http://127.0.0.1:7700`; the WebSocket URL is derived (http→ws, + `/ws`). */
  url: string;
  token: string;
  /** The authenticated user, when the caller knows it (login does); the client never decodes tokens. */
  userId?: string;
  /** Default `default` (§3). */
  deviceId?: string;
  platform?: string;
  /** The WebSocket endpoint without query (e.g. `ws://127.0.0.1:7700/ws`); overrides the derived one. */
  wsUrl?: string;
  /** Reply deadline of `request()` and the typed helpers; default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Handshake deadline; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Keep `all`, the log of every frame received (default true); a benchmark turns it off to bound memory. */
  recordFrames?: boolean;
  /** Parses frames sharing what many clients' PUSHes of one message have in common (a runner with 1,000 users holds them all). */
  sharer?: FrameSharer;
  /** Starting `lastPts`, e.g. carried over from this device's previous connection. */
  lastPts?: number;
}

export interface ReceivedFrame {
  frame: ServerFrame;
  /** Arrival time, ms since the epoch. */
  at: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface ImClientEvents {
  /** A frame that answers no pending request (it is in `inbox` unless a `waitFor` took it). */
  frame: ServerFrame;
  close: CloseInfo;
  error: Error;
  /** Every frame read, replies included, in arrival order (before any request settles). */
  received: ServerFrame;
  /** Every frame written by `request()` and the typed helpers, as the JSON object sent. */
  sent: Record<string, unknown>;
}

export interface SendRequest {
  convType: ConvType;
  msgType: MsgType;
  /** Peer userId, groupId, or (SYSTEM) the receiving user. */
  to: string;
  content: Content;
  control?: Control;
  options?: Record<string, unknown>;
}

/** Frame fields besides `content`, deliberately loose: tests use `request()` to send odd frames. */
export interface FrameExtra {
  header?: Record<string, unknown>;
  route?: Record<string, unknown>;
  control?: Record<string, unknown>;
  options?: Record<string, unknown>;
  stamp?: Record<string, unknown>;
}
