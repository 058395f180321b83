import { CmdType } from '../../protocol/codes.js';
import type { StoredMessage } from '../../protocol/frames.js';
import { pushFrame } from '../../protocol/messages.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { DeliveryTarget, PresenceObserver } from './session-registry.js';

/**
 * What ordering needs of the store: `MessageStore.readInbox`, by its shape (deliver/ must not
 * import store/). `maxPts` is the user's current pts.
 */
export interface InboxReader {
  readInbox(userId: string, sincePts: number, limit: number): Promise<{ entries: readonly { pts: number; message: StoredMessage }[]; maxPts: number }>;
}

export interface PtsOrderOptions {
  /** Without it nothing is read: a user's first pts seen starts their line, and gaps are skipped. */
  inbox?: InboxReader;
  /** How long a push waits for an earlier pts before the gap is read from the store. */
  gapMs?: number;
  metrics?: Metrics;
}

/** The bound on a hold: long enough for a publish that Redis reordered, short for a lost one. */
export const DEFAULT_GAP_MS = 100;
/** Rows per store read when filling a gap, so one long gap never reads a huge page at once. */
const FILL_PAGE = 500;

interface Held {
  text: string;
  /** The sending device, which gets `ack` and never this PUSH. */
  except: string | undefined;
  /** The sending device's SEND_ACK, when it is here: it leaves at this pts's place in the order too (§4). */
  ack: string | undefined;
  /** When it arrived (performance.now()): a push held for the bound declares every pts below it missing. */
  at: number;
}

/** One user with devices on this node: what has been pushed to them, and what waits. */
interface Line {
  readonly userId: string;
  readonly devices: ReadonlyMap<string, DeliveryTarget>;
  /** The highest pts pushed here with none missing below it (down to `base`); NaN until known. */
  pushed: number;
  /**
   * The user's pts in the store when they arrived here. Pushes at or below it may have been
   * committed before and published after that read, so they still go out, unordered (the
   * client drops by pts what SYNC already gave it); pushes above it go out once each, in order.
   */
  base: number;
  /** The store read of `base` is in flight: every push waits. */
  loading: boolean;
  /** Pushes that arrived ahead of a gap, by pts. */
  held: Map<number, Held> | undefined;
  timer: NodeJS.Timeout | undefined;
  /** A store read of a gap is in flight. */
  filling: boolean;
}

/**
 * Per-device pts order on this node, whatever node committed the message. pts is per user, so
 * the watermark is per user and every device of the user shares it. PostgreSQL commits a user's
 * pts in order, but two nodes' publishes can reach Redis in either order, and Redis can lose
 * one: a push that comes ahead of a gap waits for it, and a gap still open after `gapMs` is read
 * from the store (it is committed: the later pts's transaction waited on the counter row).
 * On one node with the in-process bus pushes arrive in order and cost one Map lookup each.
 */
export class PtsOrder implements PresenceObserver {
  private readonly lines = new Map<string, Line>();
  private readonly gapMs: number;

  constructor(
    private readonly logger: Logger,
    private readonly options: PtsOrderOptions = {},
  ) {
    this.gapMs = options.gapMs ?? DEFAULT_GAP_MS;
  }

  arrived(userId: string, devices: ReadonlyMap<string, DeliveryTarget>): void {
    const line: Line = { userId, devices, pushed: NaN, base: NaN, loading: this.options.inbox !== undefined, held: undefined, timer: undefined, filling: false };
    this.lines.set(userId, line);
    if (this.options.inbox) this.load(line, this.options.inbox);
  }

  left(userId: string): void {
    const line = this.lines.get(userId);
    if (line === undefined) return;
    clearTimeout(line.timer);
    this.lines.delete(userId);
  }

  /**
   * PUSHes `pts` of `userId` to their devices here, in pts order, but to `except`, which gets
   * `ack` (its SEND_ACK) at the same place in the order; `text` is built only if needed. False
   * when the user has no device here: nothing was sent, the ack included.
   */
  push(userId: string, pts: number, text: () => string, except: string | undefined, ack?: string): boolean {
    const line = this.lines.get(userId);
    if (line === undefined) return false;
    if (pts === line.pushed + 1 && line.held === undefined) {
      line.pushed = pts;
      let t: string | undefined;
      for (const device of line.devices.values()) {
        if (device.connId !== except) device.send((t ??= text()), CmdType.PUSH);
        else if (ack !== undefined) device.send(ack, CmdType.SEND_ACK);
      }
      return true;
    }
    this.place(line, pts, { text: text(), except, ack, at: performance.now() });
    return true;
  }

  private place(line: Line, pts: number, push: Held): void {
    if (line.loading) return this.hold(line, pts, push);
    // No store, or it failed: the first pts seen starts the line.
    if (Number.isNaN(line.pushed)) line.pushed = line.base = pts - 1;
    if (pts <= line.pushed) {
      // Above base it was pushed here already, live or from the store; its ack was not.
      if (pts <= line.base) this.send(line, push);
      else this.sendAck(line, push);
      return;
    }
    if (pts === line.pushed + 1) {
      line.pushed = pts;
      this.send(line, push);
      return this.release(line);
    }
    this.hold(line, pts, push);
    this.options.metrics?.pushOrder.inc({ outcome: 'held' });
    if (line.timer === undefined && !line.filling) this.arm(line, this.gapMs);
  }

  private hold(line: Line, pts: number, push: Held): void {
    const held = (line.held ??= new Map());
    if (!held.has(pts)) held.set(pts, push);
  }

  private send(line: Line, push: Held): void {
    for (const device of line.devices.values()) {
      if (device.connId !== push.except) device.send(push.text, CmdType.PUSH);
      else if (push.ack !== undefined) device.send(push.ack, CmdType.SEND_ACK);
    }
  }

  private sendAck(line: Line, push: Held): void {
    if (push.ack === undefined) return;
    for (const device of line.devices.values()) if (device.connId === push.except) device.send(push.ack, CmdType.SEND_ACK);
  }

  /** Pushes the held successors of the watermark; the timer then aims at the oldest push still held. */
  private release(line: Line): void {
    const held = line.held;
    if (held === undefined) return;
    for (let next = held.get(line.pushed + 1); next !== undefined; next = held.get(line.pushed + 1)) {
      held.delete(++line.pushed);
      this.send(line, next);
    }
    if (held.size === 0) {
      line.held = undefined;
      clearTimeout(line.timer);
      line.timer = undefined;
      return;
    }
    if (line.timer === undefined && !line.filling) this.arm(line, this.oldest(held) + this.gapMs - performance.now());
  }

  /** When the longest-held push came (a Map iterates in insertion order: arrival order). */
  private oldest(held: Map<number, Held>): number {
    let at = Infinity;
    for (const h of held.values()) {
      at = h.at;
      break;
    }
    return at;
  }

  private arm(line: Line, ms: number): void {
    line.timer = setTimeout(() => void this.fill(line), Math.max(0, ms));
    // A hold never keeps a stopping process alive.
    line.timer.unref();
  }

  private load(line: Line, inbox: InboxReader): void {
    const done = (maxPts: number): void => {
      if (this.lines.get(line.userId) !== line) return;
      line.loading = false;
      line.pushed = line.base = maxPts;
      const held = line.held;
      line.held = undefined;
      if (held === undefined) return;
      for (const pts of [...held.keys()].sort((a, b) => a - b)) this.place(line, pts, held.get(pts)!);
    };
    inbox.readInbox(line.userId, Number.MAX_SAFE_INTEGER, 0).then(
      (page) => done(page.maxPts),
      (e: unknown) => {
        if (this.lines.get(line.userId) !== line) return;
        this.logger.warn('could not read the pts of a user who connected; their pushes go out unordered until the first one', { user: line.userId, error: e instanceof Error ? e.message : String(e) });
        done(NaN);
      },
    );
  }

  /**
   * The oldest held push has waited the bound: every pts below the newest push that has waited
   * as long is taken as lost, read from the store and pushed in order (a pts that arrived live
   * meanwhile goes out as it came), then the held pushes that follow. What the store cannot give
   * is skipped: the client's SYNC covers it (§6.3).
   */
  private async fill(line: Line): Promise<void> {
    line.timer = undefined;
    if (line.held === undefined || line.filling) return;
    const due = performance.now() - this.gapMs;
    let upto = -Infinity;
    for (const [pts, h] of line.held) if (h.at <= due && pts > upto) upto = pts;
    if (upto === -Infinity) return this.arm(line, this.oldest(line.held) - due);
    const { inbox, metrics } = this.options;
    if (inbox !== undefined) {
      line.filling = true;
      try {
        while (line.pushed < upto) {
          const page = await inbox.readInbox(line.userId, line.pushed, Math.min(upto - line.pushed, FILL_PAGE));
          if (this.lines.get(line.userId) !== line) return;
          const before = line.pushed;
          for (const { pts, message } of page.entries) {
            if (pts <= line.pushed) continue;
            if (pts > upto) break;
            let push = line.held?.get(pts);
            if (push !== undefined) line.held!.delete(pts);
            else {
              push = { text: JSON.stringify(pushFrame(message, pts)), except: undefined, ack: undefined, at: 0 };
              metrics?.pushOrder.inc({ outcome: 'filled' });
            }
            line.pushed = pts;
            this.send(line, push);
          }
          if (line.pushed === before) break;
        }
      } catch (e) {
        if (this.lines.get(line.userId) !== line) return;
        this.logger.warn('could not read a gap in pushes from the store; left to SYNC', { user: line.userId, error: e instanceof Error ? e.message : String(e) });
      } finally {
        line.filling = false;
      }
      if (this.lines.get(line.userId) !== line) return;
    }
    if (line.pushed < upto) this.skip(line, upto);
    this.release(line);
  }

  /** Pushes what is held up to `upto`, in order, and moves the watermark there over what is missing. */
  private skip(line: Line, upto: number): void {
    const held = line.held ?? new Map<number, Held>();
    const below = [...held.keys()].filter((pts) => pts <= upto).sort((a, b) => a - b);
    this.options.metrics?.pushOrder.inc({ outcome: 'skipped' }, upto - line.pushed - below.length);
    for (const pts of below) {
      this.send(line, held.get(pts)!);
      held.delete(pts);
    }
    line.pushed = upto;
  }
}
