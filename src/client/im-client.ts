import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { CmdType, ErrorCode, PROTOCOL_VERSION, cmdName } from '../protocol/codes.js';
import { parseServerFrame } from '../protocol/decode.js';
import type {
  Content,
  HistoryRespFrame,
  PongFrame,
  PushFrame,
  ReadAckFrame,
  SendAckFrame,
  ServerFrame,
  SyncRespFrame,
} from '../protocol/frames.js';
import { TypedEmitter } from './emitter.js';
import { ImClientError, ImRequestError } from './errors.js';
import { awaitOpen, connectUrl, wsEndpoint } from './handshake.js';
import { ImHttp } from './http-client.js';
import { Inbox, type WaitForOptions } from './inbox.js';
import { isFrame, type FrameOf, type FramePredicate } from './match.js';
import { PendingRequests } from './pending-requests.js';
import type { CloseInfo, ConnectOptions, FrameExtra, ImClientEvents, ReceivedFrame, SendRequest } from './types.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const CLOSE_GRACE_MS = 2_000;

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
}

/**
 * One WebSocket connection of one device, speaking PROTOCOL.md §3. Requests are correlated by
 * reqId; every other frame lands in the inbox, which never drops one, so a test can await a
 * PUSH that arrived while it was waiting for something else.
 */
export class ImClient extends TypedEmitter<ImClientEvents> {
  readonly userId: string | undefined;
  readonly deviceId: string;
  readonly #ws: WebSocket;
  readonly #options: ConnectOptions;
  readonly #inbox: Inbox;
  readonly #all: ReceivedFrame[] = [];
  readonly #pending: PendingRequests;
  readonly #closed: Promise<CloseInfo>;
  #closeInfo: CloseInfo | undefined;
  #nextReqId = 0;
  #lastPts: number;
  #lastRttMs: number | undefined;

  /** Listeners go on before the handshake ends, so not even the first frame can be missed. */
  private constructor(ws: WebSocket, options: ConnectOptions) {
    super();
    this.#ws = ws;
    this.#options = options;
    this.userId = options.userId;
    this.deviceId = options.deviceId ?? 'default';
    this.#lastPts = options.lastPts ?? 0;
    this.#inbox = new Inbox(this.#name);
    this.#pending = new PendingRequests(this.#name);
    this.#closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve(this.#onClose(code, reason.toString('utf8'))));
    });
    ws.on('message', (data) => this.#onMessage(rawText(data)));
    ws.on('error', (error) => this.emit('error', error));
  }

  /** Rejects with ImRequestError (2001/2002, status 401) when the token is refused. */
  static async connect(options: ConnectOptions): Promise<ImClient> {
    const endpoint = options.wsUrl ?? wsEndpoint(options.url);
    const query = { token: options.token, deviceId: options.deviceId ?? 'default' };
    const url = connectUrl(endpoint, options.platform === undefined ? query : { ...query, platform: options.platform });
    const ws = new WebSocket(url, { handshakeTimeout: options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS });
    const client = new ImClient(ws, options);
    await awaitOpen(ws, url);
    return client;
  }

  /** HTTP login, then connect. */
  static async login(
    baseUrl: string,
    userId: string,
    password: string,
    options: Omit<ConnectOptions, 'url' | 'token' | 'userId'> = {},
  ): Promise<ImClient> {
    const { token } = await new ImHttp(baseUrl).login(userId, password);
    return ImClient.connect({ ...options, url: baseUrl, token, userId });
  }

  /** A new connection for the same device, starting from this one's `lastPts`. */
  reconnect(overrides: Partial<ConnectOptions> = {}): Promise<ImClient> {
    return ImClient.connect({ ...this.#options, lastPts: this.#lastPts, ...overrides });
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** The highest pts seen on this device in PUSH, SEND_ACK and SYNC_RESP messages: SYNC from here. */
  get lastPts(): number {
    return this.#lastPts;
  }

  /** Round trip of the last `ping()`, in ms. */
  get lastRttMs(): number | undefined {
    return this.#lastRttMs;
  }

  /** Frames that answered no request, oldest first (a live read-only view). */
  get inbox(): readonly ServerFrame[] {
    return this.#inbox.frames;
  }

  /** Every frame received, replies included, in arrival order. */
  get all(): readonly ReceivedFrame[] {
    return this.#all;
  }

  // ---- requests ------------------------------------------------------------------------------

  /**
   * Sends a frame and resolves with the reply that echoes its reqId. Rejects with ImRequestError
   * on an ERROR reply, ImClientError('timeout') past `timeoutMs`, ImClientError('closed') when the
   * connection closes first.
   */
  request(cmd: number, content: Content, extra: FrameExtra = {}, options: { timeoutMs?: number } = {}): Promise<ServerFrame> {
    const given = extra.header?.reqId;
    const reqId = typeof given === 'string' ? given : `r-${++this.#nextReqId}`;
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { reply, fail } = this.#pending.expect(reqId, cmd, timeoutMs);
    this.#sendFrame(this.#frame(cmd, content, extra, reqId)).catch(fail);
    return reply;
  }

  send(message: SendRequest): Promise<SendAckFrame> {
    const { convType, msgType, to, content, control = {}, options = {} } = message;
    return this.#call(CmdType.SEND, CmdType.SEND_ACK, content, { route: { convType, msgType, to }, control: { ...control }, options });
  }

  async ping(): Promise<PongFrame> {
    const started = performance.now();
    const pong = await this.#call(CmdType.PING, CmdType.PONG, {});
    this.#lastRttMs = performance.now() - started;
    return pong;
  }

  sync(sincePts: number, limit?: number): Promise<SyncRespFrame> {
    return this.#call(CmdType.SYNC, CmdType.SYNC_RESP, limit === undefined ? { sincePts } : { sincePts, limit });
  }

  /**
   * SYNC that waits out the server's read budget: a RATE_LIMITED (1003) answer is retried after
   * its `retryAfterMs`, for up to `maxWaitMs` in all. For catching up, where waiting is the point.
   */
  async syncPaced(sincePts: number, limit?: number, maxWaitMs = 60_000): Promise<SyncRespFrame> {
    let waited = 0;
    for (;;) {
      try {
        return await this.sync(sincePts, limit);
      } catch (e) {
        const wait = e instanceof ImRequestError && e.code === ErrorCode.RATE_LIMITED ? (e.retryAfterMs ?? 1000) : undefined;
        if (wait === undefined || waited + wait > maxWaitMs) throw e;
        waited += wait;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Pages through SYNC until `hasMore` is false, pacing itself to the server's read budget. */
  async syncAll(sincePts: number, limit?: number): Promise<{ messages: PushFrame[]; maxPts: number }> {
    const messages: PushFrame[] = [];
    for (let cursor = sincePts; ; ) {
      const { content } = await this.syncPaced(cursor, limit);
      messages.push(...content.messages);
      if (!content.hasMore) return { messages, maxPts: content.maxPts };
      const last = content.messages.at(-1)?.stamp.pts;
      if (last === undefined || last <= cursor) {
        throw new ImClientError('protocol', `${this.#name}: SYNC_RESP after pts ${cursor} has more but did not advance`);
      }
      cursor = last;
    }
  }

  read(convId: string, seq: number): Promise<ReadAckFrame> {
    return this.#call(CmdType.READ, CmdType.READ_ACK, { convId, seq });
  }

  history(query: { convId: string; afterSeq?: number; beforeSeq?: number; limit?: number }): Promise<HistoryRespFrame> {
    return this.#call(CmdType.HISTORY, CmdType.HISTORY_RESP, { ...query });
  }

  /** Tells the server this device has everything up to `pts`; there is no reply. */
  pushAck(pts: number): Promise<void> {
    return this.#sendFrame(this.#frame(CmdType.PUSH_ACK, { pts }, {}, `r-${++this.#nextReqId}`));
  }

  /** Sends bytes as they are (malformed frames in tests); text unless `binary`. */
  raw(data: string | Buffer, options: { binary?: boolean } = {}): Promise<void> {
    return this.#write(data, options.binary ?? false);
  }

  // ---- the inbox -----------------------------------------------------------------------------

  /** Removes and returns every inbox frame that matches. */
  take<F extends ServerFrame>(predicate: (frame: ServerFrame) => frame is F): F[];
  take(predicate: FramePredicate): ServerFrame[];
  take(predicate: FramePredicate): ServerFrame[] {
    return this.#inbox.take(predicate);
  }

  /** The first matching frame, held or yet to come; it leaves the inbox. Default timeout 5 s. */
  waitFor<F extends ServerFrame>(predicate: (frame: ServerFrame) => frame is F, options?: WaitForOptions): Promise<F>;
  waitFor(predicate: FramePredicate, options?: WaitForOptions): Promise<ServerFrame>;
  waitFor(predicate: FramePredicate, options?: WaitForOptions): Promise<ServerFrame> {
    return this.#inbox.waitFor(predicate, options);
  }

  waitForClose(): Promise<CloseInfo> {
    return this.#closed;
  }

  // ---- closing -------------------------------------------------------------------------------

  /** A clean close (close frame, then wait for the server's); terminates if that takes over 2 s. */
  async close(code = 1000, reason = ''): Promise<CloseInfo> {
    if (this.#closeInfo) return this.#closeInfo;
    this.#ws.close(code, reason);
    const grace = setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS);
    try {
      return await this.#closed;
    } finally {
      clearTimeout(grace);
    }
  }

  /** Drops the TCP connection without a close frame, as a network failure would. */
  terminate(): Promise<CloseInfo> {
    this.#ws.terminate();
    return this.#closed;
  }

  // ---- internals -----------------------------------------------------------------------------

  get #name(): string {
    return `${this.userId ?? '?'}/${this.deviceId}`;
  }

  async #call<C extends CmdType>(cmd: CmdType, reply: C, content: Content, extra?: FrameExtra): Promise<FrameOf<C>> {
    const frame = await this.request(cmd, content, extra);
    if (frame.header.cmd !== reply) {
      throw new ImClientError('protocol', `${this.#name}: ${cmdName(cmd)} was answered with ${cmdName(frame.header.cmd)}`);
    }
    return frame as FrameOf<C>;
  }

  #frame(cmd: number, content: Content, extra: FrameExtra, reqId: string): Record<string, unknown> {
    const header: Record<string, unknown> = { version: PROTOCOL_VERSION, cmd, deviceId: this.deviceId, ts: Date.now() };
    if (this.#options.platform !== undefined) header.platform = this.#options.platform;
    return { ...extra, header: { ...header, ...extra.header, reqId }, content };
  }

  #sendFrame(frame: Record<string, unknown>): Promise<void> {
    const written = this.#write(JSON.stringify(frame), false);
    if (this.isOpen) this.emit('sent', frame);
    return written;
  }

  #write(data: string | Buffer, binary: boolean): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new ImClientError('closed', `${this.#name}: cannot send, the connection is not open`));
    }
    return new Promise((resolve, reject) => {
      this.#ws.send(data, { binary }, (error) =>
        error ? reject(new ImClientError('closed', `${this.#name}: send failed: ${error.message}`, { cause: error })) : resolve(),
      );
    });
  }

  #onMessage(text: string): void {
    const frame = this.#options.sharer ? this.#options.sharer.parse(text) : parseServerFrame(text);
    if (!frame) {
      const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
      this.emit('error', new ImClientError('protocol', `${this.#name}: the server sent a frame that is not one: ${shown}`));
      return;
    }
    // Fractional and monotonic (epoch-based), so events in one millisecond still order correctly.
    if (this.#options.recordFrames !== false) this.#all.push({ frame, at: performance.timeOrigin + performance.now() });
    this.#trackPts(frame);
    this.emit('received', frame);
    if (this.#pending.settle(frame)) return;
    this.#inbox.offer(frame);
    this.emit('frame', frame);
  }

  #trackPts(frame: ServerFrame): void {
    const see = (pts: number | undefined) => {
      if (pts !== undefined && pts > this.#lastPts) this.#lastPts = pts;
    };
    if (isFrame(frame, CmdType.PUSH) || isFrame(frame, CmdType.SEND_ACK)) see(frame.stamp.pts);
    // Not SYNC_RESP's maxPts: inbox pts have no gaps, so the messages themselves say how far this
    // device got, and a maxPts read apart from its page could claim a message never seen.
    if (isFrame(frame, CmdType.SYNC_RESP)) for (const message of frame.content.messages) see(message.stamp.pts);
  }

  #onClose(code: number, reason: string): CloseInfo {
    const info = { code, reason };
    this.#closeInfo = info;
    const because = `the connection closed (code ${code}${reason ? ` "${reason}"` : ''})`;
    this.#pending.closeAll(because);
    this.#inbox.close(`failed: ${because} before a matching frame arrived`);
    this.emit('close', info);
    return info;
  }
}
