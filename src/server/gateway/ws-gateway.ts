import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, ErrorCode, HTTP_STATUS } from '../../protocol/codes.js';
import { isValidId } from '../../protocol/ids.js';
import type { SessionTokens, VerifiedToken } from '../auth/session-tokens.js';
import type { Presence } from '../deliver/presence.js';
import type { SessionRegistry } from '../deliver/session-registry.js';
import { isImError, toWireError } from '../errors.js';
import type { Bus } from '../sync/bus.js';
import { Connection, type ConnectionDeps } from './connection.js';
import { bearerToken } from './http/auth.js';

export interface GatewayDeps extends ConnectionDeps {
  tokens: SessionTokens;
  sessions: SessionRegistry;
  /** The devices connected on every node: the device cap counts them. */
  presence: Presence;
  bus: Bus;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' };

/**
 * The WebSocket side of the gateway (§3): authenticates the handshake (401 without a socket),
 * keeps one connection per (user, device), and closes idle connections with 4000.
 */
export class WsGateway {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private readonly idleTimer: NodeJS.Timeout;
  private accepting = true;
  private nextId = 0;

  constructor(
    server: Server,
    private readonly deps: GatewayDeps,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.maxFrameBytes, perMessageDeflate: false });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    const every = Math.max(10, Math.min(1000, Math.floor(deps.config.idleTimeoutMs / 4)));
    this.idleTimer = setInterval(() => this.closeIdle(), every);
    this.idleTimer.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** Stops accepting, lets every connection finish the frames it has sent, then closes them. */
  async close(timeoutMs = 5000): Promise<void> {
    this.accepting = false;
    clearInterval(this.idleTimer);
    // Let the loop pass one poll phase (two check phases apart), so frames that already reached
    // the socket are read and answered rather than dropped.
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    const settled = Promise.all([...this.connections].map((c) => c.settled()));
    await Promise.race([settled, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    for (const c of this.connections) c.close(CloseCode.GOING_AWAY, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.authorise(req, socket, head).catch((e: unknown) => {
      // The store failed while checking the token: nothing was opened, the client may retry.
      this.deps.logger.error('handshake failed', { error: e });
      if (!socket.destroyed) refuse(socket, 503, { code: ErrorCode.UNAVAILABLE, message: 'the server cannot check tokens right now; retry' });
    });
  }

  private async authorise(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return refuse(socket, 404, { code: ErrorCode.UNKNOWN_CMD, message: 'WebSocket endpoint is /ws' });
    if (!this.accepting) return refuse(socket, 503, { code: ErrorCode.UNAVAILABLE, message: 'server is shutting down' });
    let token: VerifiedToken;
    try {
      token = await this.deps.tokens.verify(url.searchParams.get('token') ?? bearerToken(req.headers));
    } catch (e) {
      if (!isImError(e)) throw e;
      const wire = toWireError(e);
      return refuse(socket, HTTP_STATUS[wire.code], wire);
    }
    const deviceId = url.searchParams.get('deviceId') || 'default';
    const platform = url.searchParams.get('platform') || 'unknown';
    if (!isValidId(deviceId) || platform.length > 64) {
      return refuse(socket, 400, { code: ErrorCode.BAD_FRAME, message: 'deviceId must be 1-64 chars of [A-Za-z0-9_.-]; platform at most 64 chars' });
    }
    // The client may have gone while the token was checked, or the server begun to close.
    if (socket.destroyed) return;
    if (!this.accepting) return refuse(socket, 503, { code: ErrorCode.UNAVAILABLE, message: 'server is shutting down' });
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    const { userId, expiresAt, tokenHash } = token;
    // Counted before the upgrade: once it is done, frames may arrive, and none may be lost.
    const over = await this.overDeviceLimit(userId, deviceId);
    const connId = `${this.deps.nodeId}.${++this.nextId}`;
    if (!over) await this.deps.presence.opened({ connId, userId, deviceId });
    if (socket.destroyed) {
      if (!over) this.deps.presence.closed({ connId, userId, deviceId });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, { connId, userId, deviceId, platform, tokenExpiresAt: expiresAt, tokenHash, remote }, over));
  }

  private open(ws: WebSocket, id: ConstructorParameters<typeof Connection>[1], overDeviceLimit: boolean): void {
    const { sessions, presence, bus, metrics, logger } = this.deps;
    if (overDeviceLimit) {
      const max = this.deps.config.maxDevicesPerUser;
      logger.info('connection refused: too many devices', { user: id.userId, device: id.deviceId, max });
      // A close code rather than an HTTP refusal: browsers show clients close codes, never the
      // status of a failed handshake.
      ws.close(CloseCode.TOO_MANY_DEVICES, `too many devices (at most ${max}); close another device first`);
      return;
    }
    const conn = new Connection(ws, id, this.deps);
    // Kick any older connection of this (user, device), on any node, before this one goes live.
    bus.publish({ kind: 'session-opened', userId: conn.userId, deviceId: conn.deviceId, conn: conn.ref });
    sessions.add(conn);
    this.connections.add(conn);
    metrics.connections.set({}, this.connections.size);
    metrics.connectionsTotal.inc();
    logger.info('connection open', { user: id.userId, device: id.deviceId, platform: id.platform, conn: id.connId, remote: id.remote });
    ws.on('close', (code, reason) => {
      sessions.remove(conn);
      presence.closed(conn);
      this.connections.delete(conn);
      metrics.connections.set({}, this.connections.size);
      logger.info('connection closed', { user: id.userId, device: id.deviceId, conn: id.connId, code, reason: reason.toString() || undefined });
    });
    ws.on('error', (e) => logger.warn('connection error', { user: id.userId, conn: id.connId, error: e.message }));
  }

  /**
   * A reconnecting device replaces its old connection, so it never counts against the cap. When
   * the cluster's presence cannot be read, the node's own connections are counted instead.
   */
  private async overDeviceLimit(userId: string, deviceId: string): Promise<boolean> {
    let devices: string[];
    try {
      devices = await this.deps.presence.devices(userId);
    } catch (e) {
      this.deps.logger.warn('presence unreadable: the device cap counts this node only', { user: userId, error: e instanceof Error ? e.message : String(e) });
      devices = [...this.deps.sessions.devices(userId)].map((d) => d.deviceId);
    }
    const others = new Set(devices.filter((d) => d !== deviceId)).size;
    return others >= this.deps.config.maxDevicesPerUser;
  }

  private closeIdle(): void {
    const deadline = performance.now() - this.deps.config.idleTimeoutMs;
    for (const c of this.connections) {
      if (c.lastSeen < deadline && !c.busy) c.close(CloseCode.IDLE, 'idle timeout');
    }
  }
}

function refuse(socket: Duplex, status: number, error: { code: number; message: string }): void {
  const body = JSON.stringify({ code: error.code, msg: error.message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

