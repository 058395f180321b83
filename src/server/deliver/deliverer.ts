import { CmdType, PROTOCOL_VERSION } from '../../protocol/codes.js';
import { pushFrame } from '../../protocol/messages.js';
import type { Logger } from '../logger.js';
import type { BusEvent, MessageEvent, ReadEvent, SessionOpenedEvent, TokensRevokedEvent } from '../sync/bus.js';
import { PtsOrder, type PtsOrderOptions } from './pts-order.js';
import type { SessionRegistry } from './session-registry.js';

/** Recipients handled per turn of the event loop, so one huge fan-out never blocks it for long. */
const CHUNK = 2000;

/**
 * The bus subscriber of every node: writes SEND_ACK to the sending device (when it is here) and
 * PUSH to every other device of every recipient connected here. Events are handled strictly in
 * bus order; a big fan-out yields between chunks and later events wait behind it. Pushes with a
 * pts go through `PtsOrder`, which keeps each device's pts order even when the events come from
 * several nodes (give it the store as `inbox` so it can fill gaps).
 */
export class Deliverer {
  private backlog: BusEvent[] = [];
  private busy = false;
  private readonly order: PtsOrder;

  constructor(
    private readonly nodeId: number,
    private readonly sessions: SessionRegistry,
    private readonly logger: Logger,
    options: PtsOrderOptions = {},
  ) {
    this.order = new PtsOrder(logger, options);
    sessions.observe(this.order);
  }

  readonly handle = (event: BusEvent): void => {
    if (this.busy) {
      this.backlog.push(event);
      return;
    }
    this.dispatch(event);
  };

  private dispatch(event: BusEvent): void {
    try {
      switch (event.kind) {
        case 'message':
          return this.message(event);
        case 'read':
          return this.read(event);
        case 'session-opened':
          return this.sessionOpened(event);
        case 'tokens-revoked':
          return this.tokensRevoked(event);
        default:
          // group-changed, social-changed and any later kind: for caches, nothing to deliver.
          return;
      }
    } catch (e) {
      this.logger.error('delivery failed', { error: e });
    }
  }

  private message(event: MessageEvent): void {
    const { origin } = event;
    if (origin.nodeId === this.nodeId) {
      const conn = this.sessions.conn(origin.connId);
      const stamp = { msgId: event.message.msgId, convId: event.message.convId, seq: event.message.seq, pts: origin.senderPts, sendTime: event.message.sendTime };
      const header = origin.reqId === undefined ? { version: PROTOCOL_VERSION, cmd: CmdType.SEND_ACK } : { version: PROTOCOL_VERSION, cmd: CmdType.SEND_ACK, reqId: origin.reqId };
      conn?.send(JSON.stringify({ header, content: {}, stamp }), CmdType.SEND_ACK);
    }
    const total = event.recipients.length + event.audience.length;
    if (total === 0) return;
    // Serialise once per message; only the receiver's pts differs between copies.
    const base = JSON.stringify(pushFrame(event.message, undefined, { control: event.control, options: event.options }));
    const head = base.slice(0, -2);
    const originConn = origin.nodeId === this.nodeId ? origin.connId : undefined;
    const toDevices = (userId: string, text: () => string): void => {
      let t: string | undefined;
      for (const device of this.sessions.devices(userId)) {
        if (device.connId !== originConn) device.send((t ??= text()), CmdType.PUSH);
      }
    };
    const { recipients, audience } = event;
    const pushTo = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        if (i < recipients.length) {
          const r = recipients[i]!;
          const { pts } = r;
          if (pts === undefined) toDevices(r.userId, () => base);
          else this.order.push(r.userId, pts, () => `${head},"pts":${pts}}}`, originConn);
        } else {
          toDevices(audience[i - recipients.length]!, () => base);
        }
      }
    };
    if (total <= CHUNK) return pushTo(0, total);
    this.chunked(total, pushTo);
  }

  private chunked(total: number, pushTo: (from: number, to: number) => void): void {
    this.busy = true;
    let at = 0;
    const step = (): void => {
      try {
        pushTo(at, Math.min(total, at + CHUNK));
      } catch (e) {
        this.logger.error('delivery failed', { error: e });
      }
      at += CHUNK;
      if (at < total) {
        setImmediate(step);
        return;
      }
      this.busy = false;
      while (!this.busy && this.backlog.length > 0) this.dispatch(this.backlog.shift()!);
    };
    step();
  }

  private read(event: ReadEvent): void {
    const text = JSON.stringify({
      header: { version: PROTOCOL_VERSION, cmd: CmdType.READ_NOTIFY },
      content: { convId: event.convId, userId: event.userId, readSeq: event.readSeq },
    });
    for (const userId of event.notify) {
      for (const device of this.sessions.devices(userId)) {
        if (event.except.nodeId === this.nodeId && device.connId === event.except.connId) continue;
        device.send(text, CmdType.READ_NOTIFY);
      }
    }
  }

  private tokensRevoked(event: TokensRevokedEvent): void {
    const reason = event.tokenHash === undefined ? 'password changed; log in again' : 'logged out';
    for (const device of [...this.sessions.devices(event.userId)]) {
      if (event.tokenHash === undefined || device.tokenHash === event.tokenHash) device.revoke(reason);
    }
  }

  private sessionOpened(event: SessionOpenedEvent): void {
    for (const device of [...this.sessions.devices(event.userId)]) {
      const same = event.conn.nodeId === this.nodeId && device.connId === event.conn.connId;
      if (!same && device.deviceId === event.deviceId) {
        device.kick(`device ${event.deviceId} connected again from another session`);
      }
    }
  }
}
