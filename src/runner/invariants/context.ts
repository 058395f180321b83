import { CmdType } from '../../protocol/codes.js';
import type { PushFrame, Stamp } from '../../protocol/frames.js';
import type { DeviceRecord, DeviceSession, RunRecord, SendRecord, Violation } from '../types.js';
import { ms } from './format.js';

/**
 * What the rules share: one pass over every device's frame log, flattened into the message
 * stamps the device saw, with the session each arrived in. Built once per RunRecord (cached),
 * O(total frames + total messages in SYNC/HISTORY pages).
 */

export type Rule = Violation['rule'];

/** The rules in the order their violations are listed. */
export const RULES: readonly Rule[] = ['seq-unique', 'msg-seq', 'push-seq-order', 'pts-gap', 'duplicate-delivery', 'lost', 'foreign-conversation'];

/** Violations listed per rule per run; the rest are summed up in one "…and N more" violation. */
export const MAX_VIOLATIONS_PER_RULE = 20;

/** How a message reached a device. */
export type Via = 'PUSH' | 'SEND_ACK' | 'SYNC_RESP' | 'HISTORY_RESP';

/** One message stamp a device saw: a PUSH, a SEND_ACK, or one element of a SYNC/HISTORY page. */
export interface Seen {
  at: number;
  via: Via;
  msgId: string;
  convId: string;
  seq?: number;
  pts?: number;
  /** Index into the device's sorted sessions (-1: before its first session, which a sane log never has). */
  session: number;
  /**
   * PUSH only: why this push is a duplicate delivery (the device already had the msgId by PUSH
   * or SEND_ACK, or it is the device's own send). Rules about ordering skip such pushes: they are
   * reported once, by duplicate-delivery.
   */
  duplicate?: string;
}

export interface DeviceView {
  user: string;
  device: string;
  /** `user@device`. */
  name: string;
  record: DeviceRecord;
  /** Sorted by openedAt. */
  sessions: DeviceSession[];
  seen: Seen[];
  /** Every msgId the device saw in any frame. */
  has: Set<string>;
  /** Every msgId the device got by PUSH (a SEND_ACK or a SYNC/HISTORY page is not a push). */
  pushed: Set<string>;
  /** The device's SYNC_RESP frames' content, in arrival order. */
  syncs: { at: number; maxPts: number; hasMore: boolean; pagePts: number }[];
}

export interface Index {
  record: RunRecord;
  devices: DeviceView[];
  byUser: Map<string, DeviceView[]>;
  /** Acked sends by msgId (the first, when a retry returned the same stamp). */
  sendsByMsgId: Map<string, SendRecord>;
}

const cache = new WeakMap<RunRecord, Index>();

export function indexRecord(record: RunRecord): Index {
  const cached = cache.get(record);
  if (cached) return cached;
  const sendsByMsgId = new Map<string, SendRecord>();
  for (const s of record.sends) if (s.ack && !sendsByMsgId.has(s.ack.msgId)) sendsByMsgId.set(s.ack.msgId, s);
  const devices = record.devices.map((d) => viewDevice(d, sendsByMsgId));
  const byUser = new Map<string, DeviceView[]>();
  for (const d of devices) {
    const list = byUser.get(d.user);
    if (list) list.push(d);
    else byUser.set(d.user, [d]);
  }
  const index: Index = { record, devices, byUser, sendsByMsgId };
  cache.set(record, index);
  return index;
}

function viewDevice(record: DeviceRecord, sendsByMsgId: Map<string, SendRecord>): DeviceView {
  const sessions = [...record.sessions].sort((a, b) => a.openedAt - b.openedAt);
  const view: DeviceView = {
    user: record.user,
    device: record.device,
    name: `${record.user}@${record.device}`,
    record,
    sessions,
    seen: [],
    has: new Set(),
    pushed: new Set(),
    syncs: [],
  };
  /** msgId → how the device first got it by PUSH or SEND_ACK. */
  const delivered = new Map<string, { via: Via; at: number }>();
  let session = -1;
  const add = (at: number, via: Via, stamp: Stamp | undefined): Seen | undefined => {
    if (!stamp || typeof stamp.msgId !== 'string') return undefined;
    const seen: Seen = { at, via, msgId: stamp.msgId, convId: stamp.convId, session };
    if (typeof stamp.seq === 'number') seen.seq = stamp.seq;
    if (typeof stamp.pts === 'number') seen.pts = stamp.pts;
    view.seen.push(seen);
    view.has.add(stamp.msgId);
    return seen;
  };
  const page = (at: number, via: Via, messages: PushFrame[] | undefined): number => {
    let maxPts = 0;
    for (const m of messages ?? []) {
      const s = add(at, via, m.stamp);
      if (s?.pts !== undefined && s.pts > maxPts) maxPts = s.pts;
    }
    return maxPts;
  };
  for (const { at, frame } of record.frames) {
    while (session + 1 < sessions.length && sessions[session + 1]!.openedAt <= at) session++;
    switch (frame.header.cmd) {
      case CmdType.PUSH:
      case CmdType.SEND_ACK: {
        const via: Via = frame.header.cmd === CmdType.PUSH ? 'PUSH' : 'SEND_ACK';
        const s = add(at, via, (frame as { stamp?: Stamp }).stamp);
        if (!s) break;
        if (via === 'PUSH') view.pushed.add(s.msgId);
        const first = delivered.get(s.msgId);
        if (via === 'PUSH') {
          const own = sendsByMsgId.get(s.msgId);
          if (own && own.user === view.user && own.device === view.device) s.duplicate = 'its own send, pushed back to the sending device';
          else if (first) s.duplicate = `already got by ${first.via} at ${ms(first.at)} ms`;
        }
        if (!first) delivered.set(s.msgId, { via, at });
        break;
      }
      case CmdType.SYNC_RESP: {
        const c = (frame as { content: { messages?: PushFrame[]; maxPts?: number; hasMore?: boolean } }).content;
        const pagePts = page(at, 'SYNC_RESP', c.messages);
        view.syncs.push({ at, maxPts: typeof c.maxPts === 'number' ? c.maxPts : pagePts, hasMore: c.hasMore === true, pagePts });
        break;
      }
      case CmdType.HISTORY_RESP:
        page(at, 'HISTORY_RESP', (frame as { content: { messages?: PushFrame[] } }).content.messages);
        break;
      default:
        break;
    }
  }
  return view;
}

/**
 * Collects violations: counts all of them, keeps the first MAX_VIOLATIONS_PER_RULE of each rule
 * (the message is built only for those), and closes each capped rule with "…and N more".
 */
export class Sink {
  private readonly kept = new Map<Rule, Violation[]>();
  private readonly counts = new Map<Rule, number>();

  constructor(private readonly cap: number = MAX_VIOLATIONS_PER_RULE) {}

  report(rule: Rule, where: { user: string; device?: string; convId?: string }, message: () => string): void {
    const n = (this.counts.get(rule) ?? 0) + 1;
    this.counts.set(rule, n);
    if (n > this.cap) return;
    const v: Violation = { rule, user: where.user, message: message() };
    if (where.device !== undefined) v.device = where.device;
    if (where.convId !== undefined) v.convId = where.convId;
    const list = this.kept.get(rule);
    if (list) list.push(v);
    else this.kept.set(rule, [v]);
  }

  count(rule: Rule): number {
    return this.counts.get(rule) ?? 0;
  }

  violations(): Violation[] {
    const out: Violation[] = [];
    for (const rule of RULES) {
      out.push(...(this.kept.get(rule) ?? []));
      const more = this.count(rule) - this.cap;
      if (more > 0) out.push({ rule, user: '*', message: `…and ${more} more ${rule} violation${more === 1 ? '' : 's'}` });
    }
    return out;
  }
}
