import { CmdType, PROTOCOL_VERSION } from '../../protocol/codes.js';
import { pushFrame } from '../../protocol/messages.js';
import type { Logger } from '../logger.js';
import type { BusEvent, GroupAudience, MessageEvent, ReadEvent, SessionOpenedEvent, TokensRevokedEvent } from '../sync/bus.js';
import { MemberCache, type MemberCacheOptions, type MemberReader, type Members } from './member-cache.js';
import { PtsOrder, type PtsOrderOptions } from './pts-order.js';
import type { SessionRegistry } from './session-registry.js';

/** Recipients handled per turn of the event loop, so one huge fan-out never blocks it for long. */
const CHUNK = 2000;

/**
 * How long the queue waits for a group's member ids. The pool bounds connecting, not queries: a
 * read that hangs would otherwise stall every device of the node, for one message's pushes.
 */
export const DEFAULT_MEMBER_READ_MS = 2000;

export interface DelivererOptions extends PtsOrderOptions {
  /** Where group audiences are resolved from (the store); without it they reach nobody. */
  members?: MemberReader;
  memberCache?: MemberCacheOptions;
  /** Past this, a message whose group is still being read is pushed to nobody (HISTORY has it). */
  memberReadMs?: number;
}

/**
 * The bus subscriber of every node: writes SEND_ACK to the sending device (when it is here) and
 * PUSH to every other device of every recipient connected here. Events are handled strictly in
 * bus order; a big fan-out yields between chunks, and a group whose member ids must be read
 * first holds the queue until they are, so later events wait behind both and every device keeps
 * its order. Pushes with a pts go through `PtsOrder`, which keeps each device's pts order even
 * when the events come from several nodes (give it the store as `inbox` so it can fill gaps).
 */
export class Deliverer {
  private backlog: BusEvent[] = [];
  private busy = false;
  private readonly order: PtsOrder;
  private readonly members: MemberCache | undefined;
  private readonly memberReadMs: number;

  constructor(
    private readonly nodeId: number,
    private readonly sessions: SessionRegistry,
    private readonly logger: Logger,
    options: DelivererOptions = {},
  ) {
    this.order = new PtsOrder(logger, options);
    this.members = options.members && new MemberCache(options.members, options.memberCache);
    this.memberReadMs = options.memberReadMs ?? DEFAULT_MEMBER_READ_MS;
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
        case 'group-changed':
          return this.members?.drop(event.groupId);
        default:
          // social-changed and any later kind: for caches, nothing to deliver.
          return;
      }
    } catch (e) {
      this.logger.error('delivery failed', { error: e });
    }
  }

  private message(event: MessageEvent): void {
    const { origin, audience } = event;
    let ack: string | undefined;
    if (origin.nodeId === this.nodeId) {
      const stamp = { msgId: event.message.msgId, convId: event.message.convId, seq: event.message.seq, pts: origin.senderPts, sendTime: event.message.sendTime };
      const header = origin.reqId === undefined ? { version: PROTOCOL_VERSION, cmd: CmdType.SEND_ACK } : { version: PROTOCOL_VERSION, cmd: CmdType.SEND_ACK, reqId: origin.reqId };
      ack = JSON.stringify({ header, content: {}, stamp });
      // An ack with the sender's new pts takes that pts's place in the device's order (§4: a
      // PUSH of an earlier pts committed on another node may still be on its way); one without
      // (a retry, a transient message, sync=false) goes now.
      if (!this.ordersAck(event)) {
        this.sessions.conn(origin.connId)?.send(ack, CmdType.SEND_ACK);
        ack = undefined;
      }
    }
    if (!('groupId' in audience)) return this.hold(this.fanOut(event, audience, undefined, ack));
    if (this.members === undefined) {
      this.logger.error('a group audience reached a deliverer without a member reader; nobody is pushed', { group: audience.groupId });
      return;
    }
    const members = this.members.get(audience.groupId, audience.version);
    if (!(members instanceof Promise)) return this.hold(this.toGroup(event, members, audience, ack));
    // The pushes wait for the read, and every later event behind them (an ack without pts went already).
    // A read that ends after the bound still fills the cache, for the next message.
    this.hold(
      within(members, this.memberReadMs).then(
        (m) => this.toGroup(event, m, audience, ack),
        (e: unknown) =>
          this.logger.warn('could not read the members of a group; its message is left to HISTORY', { group: audience.groupId, error: e instanceof Error ? e.message : String(e) }),
      ),
    );
  }

  /**
   * PUSHes to the group's members with a device here (the sender left out when asked), walking
   * whichever is smaller: this node's users or the group. A 10,000-member group on a node with
   * 50 users costs 50 lookups; a group smaller than the node's users is walked as before, one
   * registry lookup per member.
   */
  private toGroup(event: MessageEvent, members: Members, audience: GroupAudience, ack: string | undefined): Promise<void> | undefined {
    const except = audience.exceptSender ? event.message.from : undefined;
    if (this.sessions.userCount >= members.ids.length) return this.fanOut(event, members.ids, except, ack);
    const online: string[] = [];
    for (const userId of this.sessions.users()) if (userId !== except && members.has(userId)) online.push(userId);
    return this.fanOut(event, online, undefined, ack);
  }

  /** Whether the sender is among the recipients with the pts of the ack: then the ack goes with that push. */
  private ordersAck(event: MessageEvent): boolean {
    const { senderPts } = event.origin;
    if (senderPts === undefined || event.transient) return false;
    const from = event.message.from;
    return event.recipients.some((r) => r.userId === from && r.pts === senderPts);
  }

  /**
   * PUSHes to the recipients and to `audience` (but `except`'s devices); a promise when it goes
   * in chunks. `ack` goes to the sending device with the sender's own pts.
   */
  private fanOut(event: MessageEvent, audience: readonly string[], except?: string, ack?: string): Promise<void> | undefined {
    const { origin } = event;
    const total = event.recipients.length + audience.length;
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
    const { recipients } = event;
    const sender = event.message.from;
    const senderPts = origin.senderPts;
    const pushTo = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        if (i < recipients.length) {
          const r = recipients[i]!;
          const { pts } = r;
          if (pts === undefined) toDevices(r.userId, () => base);
          else if (ack === undefined || r.userId !== sender || pts !== senderPts) this.order.push(r.userId, pts, () => `${head},"pts":${pts}}}`, originConn);
          else if (!this.order.push(r.userId, pts, () => `${head},"pts":${pts}}}`, originConn, ack)) this.sessions.conn(origin.connId)?.send(ack, CmdType.SEND_ACK);
        } else {
          const userId = audience[i - recipients.length]!;
          if (userId !== except) toDevices(userId, () => base);
        }
      }
    };
    if (total > CHUNK) return this.chunked(total, pushTo);
    pushTo(0, total);
    return undefined;
  }

  /** The first chunk now, each next one on a later turn of the event loop. */
  private async chunked(total: number, pushTo: (from: number, to: number) => void): Promise<void> {
    for (let at = 0; at < total; at += CHUNK) {
      if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        pushTo(at, Math.min(total, at + CHUNK));
      } catch (e) {
        this.logger.error('delivery failed', { error: e });
      }
    }
  }

  /** Holds every later event in the backlog until `work` is done, then handles them in order. */
  private hold(work: Promise<void> | undefined): void {
    if (work === undefined) return;
    this.busy = true;
    void work
      .catch((e: unknown) => this.logger.error('delivery failed', { error: e }))
      .finally(() => {
        this.busy = false;
        while (!this.busy && this.backlog.length > 0) this.dispatch(this.backlog.shift()!);
      });
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

/** `promise`, or a rejection once `ms` have passed without its answer. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
