import type { WebSocket } from 'ws';
import { CloseCode, CmdType, ErrorCode, PROTOCOL_VERSION, cmdName, errorName } from '../../protocol/codes.js';
import { decode } from '../../protocol/decode.js';
import { isCmd, type ClientFrame, type SendFrame } from '../../protocol/frames.js';
import type { ServerConfig } from '../config.js';
import type { DeliveryTarget } from '../deliver/session-registry.js';
import { err, toWireError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { runPipeline, type Pipeline, type Submitted } from '../pipeline.js';
import type { ConnRef } from '../sync/bus.js';
import type { ReadCommands } from '../sync/read-commands.js';

export interface ConnectionDeps {
  nodeId: number;
  config: Readonly<ServerConfig>;
  /** The stages of a SEND (create-server.ts: STAGES). */
  stages: Pipeline;
  reads: ReadCommands;
  metrics: Metrics;
  logger: Logger;
}

export interface Identity {
  connId: string;
  userId: string;
  deviceId: string;
  platform: string;
  tokenExpiresAt: number;
  /** The hash of the token this connection authenticated with: logout closes it. */
  tokenHash: string;
  remote: string;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A reply's header: it echoes the request's reqId, when the request had one. */
const header = (cmd: CmdType, reqId: string | undefined) =>
  reqId === undefined ? { version: PROTOCOL_VERSION, cmd } : { version: PROTOCOL_VERSION, cmd, reqId };

/**
 * One authenticated WebSocket. Frames from one connection are handled one after another, so a
 * client's SENDs are stored (and acked) in the order it sent them; different connections run
 * concurrently and share store commits.
 */
export class Connection implements DeliveryTarget {
  readonly connId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly platform: string;
  readonly tokenHash: string;
  /** Last time anything (a frame or a WebSocket ping) arrived; for the idle timeout. */
  lastSeen = performance.now();
  /** What the device said it holds (PUSH_ACK). */
  ackedPts = 0;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private readonly expiryTimer: NodeJS.Timeout;
  private closed = false;
  private corked = false;
  /** SENDs queued for commit and not yet answered. */
  private readonly sends = new Set<Promise<void>>();

  constructor(
    private readonly ws: WebSocket,
    id: Identity,
    private readonly deps: ConnectionDeps,
  ) {
    this.connId = id.connId;
    this.userId = id.userId;
    this.deviceId = id.deviceId;
    this.platform = id.platform;
    this.tokenHash = id.tokenHash;
    const ttl = Math.min(MAX_TIMER_MS, Math.max(0, id.tokenExpiresAt - deps.config.now()));
    this.expiryTimer = setTimeout(() => this.close(CloseCode.TOKEN_EXPIRED, 'token expired'), ttl);
    this.expiryTimer.unref();
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('ping', () => (this.lastSeen = performance.now()));
    ws.on('close', () => {
      this.closed = true;
      clearTimeout(this.expiryTimer);
    });
  }

  get ref(): ConnRef {
    return { nodeId: this.deps.nodeId, connId: this.connId };
  }

  /** Resolves when every frame received so far has been answered. */
  async settled(): Promise<void> {
    await this.chain;
    await Promise.all(this.sends);
  }

  get busy(): boolean {
    return this.inFlight > 0 || this.sends.size > 0;
  }

  send(text: string, cmd: number): void {
    if (this.closed) return;
    if (this.ws.bufferedAmount > this.deps.config.maxBufferedBytes) {
      this.deps.logger.warn('slow consumer closed', { user: this.userId, device: this.deviceId, buffered: this.ws.bufferedAmount });
      this.close(CloseCode.TRY_AGAIN_LATER, 'too far behind; reconnect and SYNC');
      return;
    }
    this.cork();
    this.ws.send(text);
    this.deps.metrics.framesOut.inc({ cmd: cmdName(cmd) });
  }

  /**
   * Frames written in one turn of the event loop (an ack and the pushes of one commit) leave in
   * one write syscall instead of one each; they are flushed in the next check phase.
   */
  private cork(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket) return;
    this.corked = true;
    socket.cork();
    setImmediate(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  kick(reason: string): void {
    this.reply({ header: { version: PROTOCOL_VERSION, cmd: CmdType.KICK }, content: { reason } });
    this.close(CloseCode.KICKED, 'kicked');
  }

  /** Its token was revoked: the same close as an expired token, so clients log in again. */
  revoke(reason: string): void {
    this.close(CloseCode.TOKEN_EXPIRED, reason);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiryTimer);
    this.ws.close(code, reason);
  }

  private reply(frame: { header: { cmd: number; version: number; reqId?: string }; content: unknown }): void {
    this.send(JSON.stringify(frame), frame.header.cmd);
  }

  /** Any failure of a frame: ERROR to the device, counted, and one log line. */
  private error(e: unknown, reqId: string | undefined): void {
    this.refuse(toWireError(e), reqId, e);
  }

  /** Refusals log at info (a developer wants to see them), bugs at error with the stack. */
  private refuse(wire: ReturnType<typeof toWireError>, reqId: string | undefined, cause?: unknown): void {
    this.deps.metrics.errors.inc({ code: wire.code });
    const fields = { user: this.userId, device: this.deviceId, code: `${wire.code}/${errorName(wire.code)}`, msg: wire.message };
    if (wire.code === ErrorCode.INTERNAL) this.deps.logger.error('frame failed', { ...fields, error: cause });
    else this.deps.logger.info('frame refused', fields);
    this.reply({ header: header(CmdType.ERROR, reqId), content: wire });
  }

  /**
   * The one guard around every frame: whatever a frame makes throw is that frame's INTERNAL
   * error, answered and logged, and never reaches the socket's event emitter, where it would
   * stop the process and every other user's connection with it.
   */
  private onMessage(data: Buffer, isBinary: boolean): void {
    try {
      this.receive(data, isBinary);
    } catch (e) {
      this.deps.metrics.framesIn.inc({ cmd: 'FAILED' });
      try {
        this.error(e, undefined);
      } catch (inner) {
        this.deps.logger.error('frame failed and could not be answered', { user: this.userId, error: inner });
      }
    }
  }

  private receive(data: Buffer, isBinary: boolean): void {
    // After our close frame nothing more may be sent, so nothing more is done: a SEND read now
    // is neither stored nor acked, and the client retries it after reconnecting.
    if (this.closed) return;
    this.lastSeen = performance.now();
    if (isBinary) {
      this.deps.metrics.framesIn.inc({ cmd: 'BINARY' });
      this.error(err.badFrame('binary frames are not supported: send one JSON object per text frame'), undefined);
      return;
    }
    const { maxContentBytes, maxOptionsBytes, maxDepth } = this.deps.config;
    const decoded = decode(data.toString('utf8'), { maxContentBytes, maxOptionsBytes, maxDepth });
    if (!decoded.ok) {
      this.deps.metrics.framesIn.inc({ cmd: 'INVALID' });
      this.refuse({ code: decoded.error.code, message: decoded.error.message }, decoded.reqId);
      return;
    }
    const frame = decoded.frame;
    this.deps.metrics.framesIn.inc({ cmd: cmdName(frame.header.cmd) });
    if (frame.header.cmd === CmdType.PING) {
      this.reply({ header: header(CmdType.PONG, frame.header.reqId), content: {} });
      return;
    }
    if (isCmd(frame, CmdType.SEND)) return this.startSend(frame);
    this.inFlight += 1;
    this.chain = this.chain.then(() => this.handle(frame)).finally(() => (this.inFlight -= 1));
  }

  private async handle(frame: ClientFrame): Promise<void> {
    const reads = this.deps.reads;
    const reqId = frame.header.reqId;
    try {
      if (isCmd(frame, CmdType.PUSH_ACK)) {
        this.ackedPts = Math.max(this.ackedPts, frame.content.pts);
      } else if (isCmd(frame, CmdType.SYNC)) {
        this.reply({ header: header(CmdType.SYNC_RESP, reqId), content: await reads.sync(this.userId, frame.content) });
      } else if (isCmd(frame, CmdType.READ)) {
        this.reply({ header: header(CmdType.READ_ACK, reqId), content: await reads.read(this.userId, this.ref, frame.content) });
      } else if (isCmd(frame, CmdType.HISTORY)) {
        this.reply({ header: header(CmdType.HISTORY_RESP, reqId), content: await reads.history(this.userId, frame.content) });
      }
    } catch (e) {
      this.error(e, reqId);
    }
  }

  /**
   * A SEND starts at once: its admit and route steps (in a cluster, a rate-limit check in Redis
   * and a relation lookup in the database, each a round trip) overlap with those of the frames
   * before it, which a chain would make wait: one SEND per round trip and connection. Its store
   * step waits until the frame before has its place (`after`), so queue order is the client's
   * order, and its SENDs can share one commit. The next frame's turn comes once this SEND is
   * queued for commit (or has failed); the ack (or ERROR) still comes only after the commit.
   */
  private startSend(frame: SendFrame): void {
    let queuedForCommit = (): void => {};
    const queued = new Promise<void>((resolve) => (queuedForCommit = resolve));
    // With nothing in flight there is nothing to wait for, not even a microtask.
    const after = this.inFlight > 0 ? this.chain : undefined;
    const done = runPipeline(this.deps.stages, this.submitted(frame), { after, onQueued: queuedForCommit }).then(
      () => {},
      (e: unknown) => this.error(e, frame.header.reqId),
    );
    this.sends.add(done);
    void done.finally(() => this.sends.delete(done));
    this.inFlight += 1;
    this.chain = Promise.race([done, queued]).finally(() => (this.inFlight -= 1));
  }

  private submitted(frame: SendFrame): Submitted {
    const reqId = frame.header.reqId;
    return {
      kind: 'submitted',
      from: this.userId,
      origin: reqId === undefined ? this.ref : { ...this.ref, reqId },
      convType: frame.route.convType,
      msgType: frame.route.msgType,
      to: frame.route.to,
      content: frame.content,
      control: frame.control,
      options: frame.options,
      persist: frame.control.persist !== false,
    };
  }
}
