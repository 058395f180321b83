import type { ConvType, MsgType } from '../protocol/codes.js';
import type { Content, Control, Stamp } from '../protocol/frames.js';
import type { AppendResult } from './store/message-store.js';
import type { Audience, ConnRef } from './sync/bus.js';

/*
 * A SEND on its way through the pipeline is one immutable value per step. Each stage takes the
 * value the step before produced and returns the next one, typed by `kind`:
 *
 *   Submitted ─admit─► Submitted | Duplicate ─route─► Routed ─store─► Committed | Transient | Duplicate ─publish─► bus
 *
 * A Duplicate (an idempotent retry, §6.2) ends the pipeline: it goes straight to `publish`, which
 * acknowledges it with the first stamp; no rule, no store and nothing else looks at it. No stage
 * writes to a socket: delivery (acks included) happens behind the bus.
 */

/** What the client asked for, with the authenticated sender: every step carries it along. */
export interface SendRequest {
  /** The authenticated sender (never the client's `route.from`). */
  readonly from: string;
  /** The sending connection and its reqId: the SEND_ACK (or ERROR) goes there. */
  readonly origin: ConnRef & { reqId?: string };
  readonly convType: ConvType;
  readonly msgType: MsgType;
  readonly to: string;
  readonly content: Content;
  readonly control: Control;
  readonly options: Record<string, unknown>;
  /** Stored, or transient (persist=false / TYPING): acked with a msgId, never stored. */
  readonly persist: boolean;
}

/** A SEND as the gateway (or /system/send) hands it to the pipeline. */
export interface Submitted extends SendRequest {
  readonly kind: 'submitted';
}

/**
 * An earlier SEND with the same (from, clientMsgId) is stored: nothing new is, and the sender gets
 * `first`, its stamp. Found by the dedupe stage, or by the commit itself when two retries race.
 */
export interface Duplicate extends SendRequest {
  readonly kind: 'duplicate';
  readonly first: AppendResult;
}

/** Who receives: decided by the filter from the conversation rules. */
export interface Route {
  readonly convId: string;
  /**
   * Write diffusion: users who get an inbox row and a pts (the sender included unless sync=false).
   * Listed one by one even in a big group: each pts is made in the sender's transaction.
   */
  readonly inboxUsers: readonly string[];
  /**
   * Read diffusion and transient messages: who gets the push, without pts. A group-backed
   * conversation's is the group by reference (its membership version, never its ids): each node
   * resolves it against its own connections. A one-to-one or system conversation's is its users.
   */
  readonly audience: Audience;
  /** Users whose conversation list must show a one-to-one or system conversation. */
  readonly participants: readonly string[];
}

/** A SEND the rules let through, with its receivers. */
export interface Routed extends SendRequest, Route {
  readonly kind: 'routed';
}

/** Stored in one commit: its numbers come from the store's transaction. */
export interface Committed extends SendRequest, Route {
  readonly kind: 'committed';
  readonly msgId: string;
  readonly seq: number;
  readonly sendTime: number;
  /** pts of each inbox user (the sender's among them unless sync=false). */
  readonly pts: Readonly<Record<string, number>>;
}

/** Never stored (persist=false, TYPING): an id and a time, no seq, no pts. */
export interface Transient extends SendRequest, Route {
  readonly kind: 'transient';
  readonly msgId: string;
  readonly sendTime: number;
}

// The values are built field by field, never by spreading the previous one: every SEND passes
// through here, and a spread copy of a 10-field object at each step cost ~25% more server CPU per
// message (and its garbage) in the one-to-one benchmark. One literal per kind also keeps each
// kind's objects one shape for V8.

export function duplicateOf(m: SendRequest, first: AppendResult): Duplicate {
  return {
    kind: 'duplicate',
    from: m.from, origin: m.origin, convType: m.convType, msgType: m.msgType, to: m.to,
    content: m.content, control: m.control, options: m.options, persist: m.persist,
    first,
  };
}

export function routedOf(m: Submitted, r: Route): Routed {
  return {
    kind: 'routed',
    from: m.from, origin: m.origin, convType: m.convType, msgType: m.msgType, to: m.to,
    content: m.content, control: m.control, options: m.options, persist: m.persist,
    convId: r.convId, inboxUsers: r.inboxUsers, audience: r.audience, participants: r.participants,
  };
}

export function committedOf(m: Routed, c: Pick<Committed, 'msgId' | 'seq' | 'sendTime' | 'pts'>): Committed {
  return {
    kind: 'committed',
    from: m.from, origin: m.origin, convType: m.convType, msgType: m.msgType, to: m.to,
    content: m.content, control: m.control, options: m.options, persist: m.persist,
    convId: m.convId, inboxUsers: m.inboxUsers, audience: m.audience, participants: m.participants,
    msgId: c.msgId, seq: c.seq, sendTime: c.sendTime, pts: c.pts,
  };
}

export function transientOf(m: Routed, msgId: string, sendTime: number): Transient {
  return {
    kind: 'transient',
    from: m.from, origin: m.origin, convType: m.convType, msgType: m.msgType, to: m.to,
    content: m.content, control: m.control, options: m.options, persist: m.persist,
    convId: m.convId, inboxUsers: m.inboxUsers, audience: m.audience, participants: m.participants,
    msgId, sendTime,
  };
}

/** What the pipeline made of a SEND; the publish stage turns it into a bus event. */
export type Outcome = Committed | Transient | Duplicate;

type Awaitable<T> = T | Promise<T>;

/** Before any rule: lets the SEND go on or ends it as a Duplicate. Throws ImError to refuse. */
export type AdmitStage = (msg: Submitted) => Awaitable<Submitted | Duplicate>;
/** The conversation rules and the receivers. Throws ImError to refuse. */
export type RouteStage = (msg: Submitted) => Awaitable<Routed>;
/**
 * Numbers and stores the message. A persistent one is queued for commit, then `queued()` is
 * called, and the promise resolves after the commit; a transient one is returned at once.
 */
export type StoreStage = (msg: Routed, queued: () => void) => Transient | Promise<Committed | Duplicate>;
/** Hands the outcome to the bus; synchronous, so events leave in commit order. */
export type PublishStage = (msg: Outcome) => void;

/** The stages of a SEND, as data (composed in create-server.ts). */
export interface Pipeline {
  /** In order: rate limit (before any store read), then dedupe (before the filter, §6.2). */
  readonly admit: readonly AdmitStage[];
  readonly route: RouteStage;
  readonly store: StoreStage;
  readonly publish: PublishStage;
}

export interface RunOptions {
  /**
   * Called once the message has its place in the commit queue (see Connection.startSend); never
   * for a Duplicate caught before the store or a transient message.
   */
  onQueued?: () => void;
  /**
   * The sender's previous frame has its turn until this resolves. The admit and route steps run
   * at once, whatever it is doing; the store step waits for it, so the commit queue keeps the
   * order the client sent in.
   */
  after?: Promise<void>;
}

/**
 * Runs one SEND through the stages and returns what became of it; a refusal is the thrown
 * ImError.
 *
 * After the commit, nothing is awaited: `publish` runs in the same turn as the commit's result,
 * so the messages of one commit are published in commit order and every device sees its acks
 * and pushes in pts order.
 */
export async function runPipeline(p: Pipeline, msg: Submitted, options: RunOptions = {}): Promise<Outcome> {
  // A synchronous stage's value is taken as it is: awaiting a plain value still costs a
  // microtask per stage, which delays each SEND's place in the commit queue and so shrinks the
  // batches group commit forms (measured: ~20% of one-to-one throughput).
  let admitted: Submitted | Duplicate = msg;
  for (const stage of p.admit) {
    const next = stage(admitted);
    admitted = next instanceof Promise ? await next : next;
    if (admitted.kind === 'duplicate') break;
  }
  let outcome: Outcome;
  if (admitted.kind === 'duplicate') {
    outcome = admitted;
  } else {
    const route = p.route(admitted);
    const routed = route instanceof Promise ? await route : route;
    if (options.after) await options.after;
    const stored = p.store(routed, options.onQueued ?? nothing);
    outcome = stored instanceof Promise ? await stored : stored;
  }
  p.publish(outcome); // same turn as the commit's result: no await in between
  return outcome;
}

const nothing = (): void => {};

/** The stamp `userId` gets for an outcome: their pts only where they got an inbox row. */
export function stampOf(outcome: Outcome, userId: string): Stamp {
  switch (outcome.kind) {
    case 'committed':
      return { msgId: outcome.msgId, convId: outcome.convId, seq: outcome.seq, pts: outcome.pts[userId], sendTime: outcome.sendTime };
    case 'transient':
      return { msgId: outcome.msgId, convId: outcome.convId, sendTime: outcome.sendTime };
    case 'duplicate': {
      const { first } = outcome;
      return { msgId: first.msgId, convId: first.convId, seq: first.seq, pts: first.pts[userId], sendTime: first.sendTime };
    }
  }
}
