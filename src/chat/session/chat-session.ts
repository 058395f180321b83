import { ImClient, ImHttp, isImClientError, isImRequestError, type CloseInfo, type HttpCallRecord } from '../../client/index.js';
import { CloseCode, CmdType, ConvType, ErrorCode, MsgType } from '../../protocol/codes.js';
import { isCmd, type ServerFrame } from '../../protocol/frames.js';
import { convIdFor } from '../../protocol/ids.js';
import { backoffDelay, type BackoffOptions } from '../model/backoff.js';
import { safePts } from '../model/chat-selectors.js';
import { createChatState } from '../model/chat-state.js';
import type { Conversation } from '../model/chat-types.js';
import { parseCommand } from '../commands/parse-command.js';
import { runCommand, type CommandContext } from '../commands/run-command.js';
import { CursorSaver } from './cursor-saver.js';
import { describeError } from './describe-error.js';
import { FrameLog } from './frame-log.js';
import { GapSync, type SyncOutcome } from './gap-sync.js';
import { LineQueue } from './line-queue.js';
import { failoverOrder, firstReachable, movedText } from './node-list.js';
import { Outbox } from './outbox.js';
import type { ChatSessionHandle, ClientFrameOut, HttpEvent, SessionView, WireEvent } from './session-types.js';
import { ViewStore } from './view-store.js';

export interface ChatSessionOptions {
  /** HTTP base URL of this pane's own node, e.g. `http://127.0.0.1:7700`; it also keys the pts cursor. */
  server: string;
  /**
   * Every node of the cluster, in the order given (`--server URL1,URL2`). When the node in use
   * does not answer, login and reconnects try the next one. Default: `server` alone.
   */
  nodes?: readonly string[];
  userId: string;
  password: string;
  /** Default `default` (PROTOCOL.md §3). */
  deviceId?: string;
  /** Where the pts cursor file lives; without it every start SYNCs from 0 (e.g. a throwaway embedded server). */
  stateDir?: string;
  /** PING period, for the RTT shown and to stay clear of the idle timeout. Default 15 s. */
  pingIntervalMs?: number;
  backoff?: BackoffOptions;
  /** SYNC page size. Default 200. */
  syncPageSize?: number;
  /** Lines `/help` adds after the commands (the UI's key bindings). */
  extraHelp?: readonly string[];
  onWire?: (event: WireEvent) => void;
  onHttp?: (event: HttpEvent) => void;
  /** `/quit`. */
  onQuit?: () => void;
}

const AUTH_CODES: ReadonlySet<number> = new Set([ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_EXPIRED]);
const TYPING_EVERY_MS = 3_000;
/** How long the status line says "gap filled" before it goes back to normal. */
const GAP_NOTICE_MS = 8_000;
const PUSH_ACK_DELAY_MS = 1_000;

/**
 * One user's chat: login, one WebSocket, SYNC from the saved cursor, reconnect with backoff,
 * resending unacknowledged messages with their clientMsgId (the server's idempotency makes a
 * resend of a stored message return its first stamp), and the slash commands.
 */
export class ChatSession implements ChatSessionHandle {
  readonly #options: ChatSessionOptions;
  readonly #store: ViewStore;
  readonly #cursor: CursorSaver | undefined;
  readonly #log = new FrameLog();
  readonly #lines = new LineQueue();
  #http: ImHttp;
  #client: ImClient | undefined;
  #closing = false;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #pushAckTimer: NodeJS.Timeout | undefined;
  readonly #gapSync: GapSync;
  readonly #outbox: Outbox;
  readonly #historyLoading = new Set<string>();
  readonly #lastTyping = new Map<string, number>();
  #listRefresh: NodeJS.Timeout | undefined;
  #gapNoticeTimer: NodeJS.Timeout | undefined;
  #countdown: NodeJS.Timeout | undefined;
  /** The highest seq a READ was sent for, per conversation (the READ_ACK lowers `unread` later). */
  readonly #readSent = new Map<string, number>();

  private constructor(options: ChatSessionOptions, node: string, http: ImHttp, lastPts: number) {
    this.#options = options;
    this.#http = http;
    const deviceId = options.deviceId ?? 'default';
    this.#store = new ViewStore({
      server: node,
      nodes: nodesOf(options),
      userId: options.userId,
      deviceId,
      state: createChatState(options.userId, lastPts),
      notice: null,
      overlay: null,
      typing: {},
    });
    this.#outbox = new Outbox(this.#store, () => this.#client);
    this.#gapSync = new GapSync(this.#store, () => this.#client, options.syncPageSize ?? 200);
    this.#store.subscribe(() => this.#expireGapNotice());
    if (options.stateDir !== undefined) {
      this.#cursor = new CursorSaver(options.stateDir, { server: options.server, userId: options.userId, deviceId }, lastPts);
      this.#store.subscribe(() => this.#cursor?.offer(safePts(this.#store.view.state)));
    }
  }

  /**
   * Logs in and connects. Rejects (ImRequestError / ImClientError) when the first login or
   * connection fails, so the command line can say why; later drops reconnect by themselves.
   */
  static async start(options: ChatSessionOptions): Promise<ChatSession> {
    const { node, http } = await firstReachable(failoverOrder(nodesOf(options), options.server), async (node) => {
      const http = new ImHttp(node, observeHttp(options));
      return { node, http: http.withToken((await http.login(options.userId, options.password)).token) };
    });
    const deviceId = options.deviceId ?? 'default';
    const lastPts = options.stateDir === undefined ? 0 : await CursorSaver.load(options.stateDir, { server: options.server, userId: options.userId, deviceId });
    const session = new ChatSession(options, node, http, lastPts);
    await session.#connect(node);
    const moved = session.#movedFrom(options.server);
    if (moved !== '') session.#store.notice('info', moved);
    return session;
  }

  get view(): SessionView {
    return this.#store.view;
  }

  subscribe(listener: () => void): () => void {
    return this.#store.subscribe(listener);
  }

  submit(line: string, context: { selectedMsgId?: string | null } = {}): void {
    this.#lines.run(() => this.#runLine(line, context.selectedMsgId ?? null));
  }

  #runLine(line: string, selectedMsgId: string | null): Promise<void> | void {
    this.#store.clearNotice();
    const fail = (e: unknown) => {
      const dropped = this.#lines.dropWaiting();
      const after = dropped === 0 ? '' : `; the ${dropped === 1 ? 'line' : `${dropped} lines`} typed after it did not run`;
      this.#store.notice('error', describeError(e) + after);
    };
    const parsed = parseCommand(line);
    if (!parsed.ok) return fail(new Error(parsed.error));
    try {
      return runCommand(this.#commandContext(selectedMsgId), parsed.command)?.catch(fail);
    } catch (e) {
      return fail(e);
    }
  }

  select(convId: string | null): void {
    this.#store.dispatch({ type: 'select', convId });
    if (convId === null) return;
    const conv = this.view.state.conversations[convId];
    if (conv === undefined) return;
    if ((this.view.state.timelines[convId]?.length ?? 0) === 0 && conv.maxSeq > 0) this.loadOlder(convId);
    this.#markRead(conv);
  }

  loadOlder(convId: string, limit = 50): void {
    void this.#loadOlder(convId, limit);
  }

  typing(): void {
    const conv = this.#selected();
    if (conv === undefined || !TYPING_TYPES.has(conv.convType)) return;
    const last = this.#lastTyping.get(conv.convId) ?? 0;
    if (Date.now() - last < TYPING_EVERY_MS) return;
    this.#lastTyping.set(conv.convId, Date.now());
    // Best effort: a typing notice that fails is not worth a notice line.
    this.#client?.send({ convType: conv.convType, msgType: MsgType.TYPING, to: conv.target, content: {} }).catch(() => undefined);
  }

  dismissOverlay(): void {
    if (this.view.overlay !== null) this.#store.overlay(null);
  }

  reconnect(): void {
    if (this.#closing) return;
    const { kind } = this.view.state.connection;
    if (kind === 'online' || kind === 'connecting') return this.#store.notice('info', `already ${kind}`);
    const wasKicked = kind === 'kicked';
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#countdown);
    clearInterval(this.#pingTimer);
    // KICK arrives just before its close: a Ctrl-R in between must not wait for that socket.
    const stale = this.#client;
    this.#client = undefined;
    stale?.close().catch(() => undefined);
    this.#attempt = 0;
    void this.#reconnect().then((moved) => {
      if (this.view.state.connection.kind !== 'online') return;
      const who = `${this.#options.userId}@${this.view.deviceId}`;
      const text = wasKicked ? `reconnected as ${who}; its other connection was signed out` : `reconnected as ${who}`;
      this.#store.notice('info', moved === '' ? text : `${text}; ${moved}`);
    });
  }

  /** Closes the connection cleanly and saves the cursor. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const timer of [this.#reconnectTimer, this.#pingTimer, this.#pushAckTimer, this.#listRefresh, this.#gapNoticeTimer, this.#countdown]) clearTimeout(timer);
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await client.close(1000, 'bye').catch(() => undefined);
    await this.#cursor?.flush();
    this.#store.close();
  }

  #expireGapNotice(): void {
    if (this.view.state.gapFilled === null || this.#gapNoticeTimer !== undefined) return;
    this.#gapNoticeTimer = setTimeout(() => {
      this.#gapNoticeTimer = undefined;
      this.#store.dispatch({ type: 'dismissGapNotice' });
    }, GAP_NOTICE_MS);
    this.#gapNoticeTimer.unref();
  }

  // ---- connection ----------------------------------------------------------------------------

  async #connect(node: string): Promise<void> {
    this.#useNode(node);
    const client = await ImClient.connect({
      url: node,
      token: this.#http.token ?? '',
      userId: this.#options.userId,
      deviceId: this.view.deviceId,
      lastPts: safePts(this.view.state),
      recordFrames: false,
    });
    if (this.#closing) {
      await client.close();
      return;
    }
    this.#client = client;
    this.#attempt = 0;
    client.on('received', (frame) => this.#onFrame(frame));
    client.on('sent', (frame) => this.#wire({ direction: 'out', frame: frame as ClientFrameOut, at: Date.now() }));
    client.on('close', (info) => this.#onClose(client, info));
    client.on('error', (e) => this.#store.notice('error', e.message));
    this.#store.dispatch({ type: 'connection', state: { kind: 'online' } });
    this.#startPinging(client);
    void this.#catchUp();
  }

  /** After every (re)connect: the list (names, counters), SYNC to the end, then resend what was never acked. */
  async #catchUp(): Promise<void> {
    await this.#refreshConversations();
    const outcome = await this.syncNow().catch((e: unknown) => this.#noticeUnlessClosed(e));
    if (outcome !== undefined) this.#store.dispatch({ type: 'caughtUp', ...outcome });
    this.#outbox.resendAll();
  }

  #onClose(client: ImClient, info: CloseInfo): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    clearInterval(this.#pingTimer);
    if (this.#closing) return;
    // The same user@device connected elsewhere (§3): reconnecting by itself would kick that one
    // back, and so on forever. The user may choose to (Ctrl-R).
    if (info.code === CloseCode.KICKED) {
      if (this.view.state.connection.kind !== 'kicked') this.#onKicked(info.reason || 'signed in elsewhere');
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const attempt = ++this.#attempt;
    const delay = backoffDelay(attempt, this.#options.backoff);
    const due = Date.now() + delay;
    const show = () => this.#store.dispatch({ type: 'connection', state: { kind: 'reconnecting', attempt, nextInMs: Math.max(0, due - Date.now()) } });
    show();
    // The status line counts down ("reconnecting in 4s"), as a person watching it expects.
    this.#countdown = setInterval(show, 1000);
    this.#countdown.unref();
    this.#reconnectTimer = setTimeout(() => {
      clearInterval(this.#countdown);
      void this.#reconnect().then((moved) => {
        if (moved !== '') this.#store.notice('info', moved);
      });
    }, delay);
  }

  /** To the node in use, else the next one that answers; resolves with `movedText` (for the notice). */
  async #reconnect(): Promise<string> {
    if (this.#closing) return '';
    const from = this.view.server;
    this.#store.dispatch({ type: 'connection', state: { kind: 'connecting' } });
    try {
      await firstReachable(failoverOrder(this.view.nodes, from), (node) => this.#connect(node));
      return this.#movedFrom(from);
    } catch (e) {
      if (isImRequestError(e) && AUTH_CODES.has(e.code)) await this.#relogin().catch(() => undefined);
      if (!this.#closing) this.#scheduleReconnect();
      return '';
    }
  }

  /** HTTP calls follow the WebSocket, so a pane's commands go to the node it is on. */
  #useNode(node: string): void {
    if (node === this.view.server) return;
    const { token } = this.#http;
    this.#http = new ImHttp(node, { ...observeHttp(this.#options), ...(token === undefined ? {} : { token }) });
    this.#store.server(node);
  }

  #movedFrom(from: string): string {
    return movedText(this.view.nodes, from, this.view.server);
  }

  /** The token expired (4003) or the server forgot it: log in again with the password we were given. */
  async #relogin(): Promise<void> {
    const { token } = await this.#http.login(this.#options.userId, this.#options.password);
    this.#http = this.#http.withToken(token);
  }

  #startPinging(client: ImClient): void {
    const ping = () =>
      client.ping().then(
        () => this.#store.dispatch({ type: 'rtt', ms: Math.round((client.lastRttMs ?? 0) * 10) / 10 }),
        () => undefined,
      );
    void ping();
    this.#pingTimer = setInterval(ping, this.#options.pingIntervalMs ?? 15_000);
    this.#pingTimer.unref();
  }

  // ---- frames --------------------------------------------------------------------------------

  #onFrame(frame: ServerFrame): void {
    this.#wire({ direction: 'in', frame, at: Date.now() });
    this.#log.remember(frame);
    const push = isCmd(frame, CmdType.PUSH) ? frame : undefined;
    // Asked before the dispatch, which lists the conversation of a stored PUSH.
    const known = push === undefined || this.view.state.conversations[push.stamp.convId] !== undefined;
    if (push !== undefined) this.#onPushTyping(push.stamp.convId, push.route.from, push.route.msgType);
    this.#store.dispatch({ type: 'frame', frame });
    if (isCmd(frame, CmdType.ERROR)) this.#onError(frame.header.reqId, frame.content.code, frame.content.message);
    if (isCmd(frame, CmdType.KICK)) this.#onKicked(frame.content.reason);
    if (push?.stamp.seq !== undefined) {
      if (!known) this.#scheduleListRefresh();
      this.#schedulePushAck();
    }
    // A pane shows its selected conversation, so what arrives there (PUSH, or SYNC after a reconnect) is read.
    const selected = this.#selected();
    if (selected !== undefined) this.#markRead(selected);
    if (this.view.state.gaps.length > 0 && !this.#gapSync.running) void this.syncNow().catch((e: unknown) => this.#noticeUnlessClosed(e));
  }

  #onKicked(reason: string): void {
    this.#store.dispatch({ type: 'connection', state: { kind: 'kicked', reason } });
    this.#store.notice('error', `kicked: ${reason} — press Ctrl-R (or /reconnect) to reconnect`);
  }

  #onPushTyping(convId: string, from: string, msgType: number): void {
    if (from === this.#options.userId) return;
    if (msgType === MsgType.TYPING) this.#store.typing(convId, from);
    else this.#store.stoppedTyping(convId, from);
  }

  #onError(reqId: string | undefined, code: number, message: string): void {
    if (reqId !== undefined && this.#outbox.owns(reqId)) return; // the send's own catch shows it
    this.#store.notice('error', describeError({ code, message }));
  }

  #wire(event: WireEvent): void {
    this.#log.push(event);
    this.#options.onWire?.(event);
  }

  // ---- requests ------------------------------------------------------------------------------

  /** SYNC until nothing is left and no gap remains (`/sync`, reconnects, gaps). */
  async syncNow(): Promise<SyncOutcome> {
    const outcome = await this.#gapSync.run();
    this.#schedulePushAck();
    return outcome;
  }

  async #loadOlder(convId: string, limit: number): Promise<void> {
    const client = this.#client;
    const conv = this.view.state.conversations[convId];
    if (client === undefined || conv === undefined || this.#historyLoading.has(convId)) return;
    const oldest = this.view.state.timelines[convId]?.[0]?.seq;
    if (oldest !== undefined && (oldest <= 1 || !conv.hasMoreHistory)) {
      this.#store.notice('info', `start of ${conv.name}: nothing older`);
      return;
    }
    this.#historyLoading.add(convId);
    try {
      const query = oldest === undefined ? { convId, limit } : { convId, beforeSeq: oldest, limit };
      await client.history(query);
    } catch (e) {
      this.#noticeUnlessClosed(e);
    } finally {
      this.#historyLoading.delete(convId);
    }
  }

  /** READ up to the newest message; one READ per conversation and seq, however many frames ask. */
  #markRead(conv: Conversation): void {
    if (conv.unread <= 0 || this.#client === undefined) return;
    if ((this.#readSent.get(conv.convId) ?? 0) >= conv.maxSeq) return;
    this.#readSent.set(conv.convId, conv.maxSeq);
    this.#client.read(conv.convId, conv.maxSeq).catch((e: unknown) => {
      this.#readSent.delete(conv.convId);
      this.#noticeUnlessClosed(e);
    });
  }

  #schedulePushAck(): void {
    if (this.#pushAckTimer !== undefined) return;
    this.#pushAckTimer = setTimeout(() => {
      this.#pushAckTimer = undefined;
      this.#client?.pushAck(safePts(this.view.state)).catch(() => undefined);
    }, PUSH_ACK_DELAY_MS);
    this.#pushAckTimer.unref();
  }

  async #refreshConversations(): Promise<void> {
    try {
      const { conversations } = await this.#http.conversationList();
      this.#store.dispatch({ type: 'conversations', list: conversations });
    } catch (e) {
      this.#noticeUnlessClosed(e);
    }
  }

  /** A PUSH opened a conversation this session did not know: its name comes from the list. */
  #scheduleListRefresh(): void {
    if (this.#listRefresh !== undefined) return;
    this.#listRefresh = setTimeout(() => {
      this.#listRefresh = undefined;
      void this.#refreshConversations();
    }, 200);
    this.#listRefresh.unref();
  }

  #selected(): Conversation | undefined {
    const id = this.view.state.selected;
    return id === null ? undefined : this.view.state.conversations[id];
  }

  #noticeUnlessClosed(e: unknown): void {
    if (this.#closing || (isImClientError(e) && e.reason === 'closed')) return;
    this.#store.notice('error', describeError(e));
  }

  #commandContext(selectedMsgId: string | null): CommandContext {
    return {
      userId: this.#options.userId,
      http: () => this.#http,
      view: () => this.view,
      selected: () => this.#selected(),
      selectedMsgId,
      open: (convType, target, name) =>
        this.#store.dispatch({ type: 'open', convId: convIdFor(convType, this.#options.userId, target), convType, target, name, at: Date.now() }),
      afterOpen: (convId) => this.select(convId),
      send: (conv, msgType, content) => this.#outbox.send(conv, msgType, content),
      read: (conv) => {
        if (this.#client === undefined) throw new Error('not connected');
        return this.#client.read(conv.convId, conv.maxSeq).then(() => undefined);
      },
      loadOlder: (convId, limit) => this.#loadOlder(convId, limit),
      sync: () => this.syncNow(),
      refreshConversations: () => this.#refreshConversations(),
      reconnect: () => this.reconnect(),
      rawFor: (msgId) => this.#log.frameFor(msgId),
      recentFrames: () => this.#log.recent(),
      notice: (level, text) => this.#store.notice(level, text),
      overlay: (overlay) => this.#store.overlay(overlay),
      extraHelp: this.#options.extraHelp ?? [],
      quit: () => this.#options.onQuit?.(),
    };
  }
}

/** Types where a typing notice makes sense: conversations with a few people (not broadcast channels or huge groups). */
const TYPING_TYPES: ReadonlySet<number> = new Set([ConvType.SINGLE, ConvType.STRANGER_CHAT, ConvType.GROUP, ConvType.CUSTOM_CONVERSATION]);

/** `nodes`, with the pane's own node in it whatever the caller gave. */
function nodesOf(options: ChatSessionOptions): readonly string[] {
  const { nodes = [], server } = options;
  return nodes.includes(server) ? nodes : [server, ...nodes];
}

function observeHttp(options: ChatSessionOptions): { observe: (call: HttpCallRecord) => void } {
  return { observe: (call) => options.onHttp?.(httpEvent(call)) };
}

function httpEvent(call: HttpCallRecord): HttpEvent {
  const event: HttpEvent = { method: call.method, path: call.path, data: call.data, at: Date.now() };
  if (call.body !== undefined && typeof call.body === 'object' && call.body !== null) event.body = call.body as Record<string, unknown>;
  return event;
}
