import type { ConvType, MsgType } from '../protocol/codes.js';
import type { Content, Control } from '../protocol/frames.js';
import type { AppendResult, NewMessage } from './store/message-store.js';
import type { ConnRef, Recipient } from './sync/bus.js';

/**
 * A SEND on its way through the pipeline. Each stage reads what earlier stages decided and adds
 * its own part; no stage writes to a socket — delivery (acks included) happens behind the bus.
 */
export interface Outgoing {
  /** The authenticated sender (never the client's `route.from`). */
  from: string;
  origin: ConnRef & { reqId?: string };
  convType: ConvType;
  msgType: MsgType;
  to: string;
  content: Content;
  control: Control;
  options: Record<string, unknown>;
  /** Stored, or transient (persist=false / TYPING): acked with a msgId, never stored. */
  persist: boolean;
  /** Called once the message has its place in the commit queue (see Connection.sendFrame). */
  onQueued?: () => void;

  // ---- decided by the filter --------------------------------------------------------------
  convId?: string;
  /** Write diffusion: users who get an inbox row and a pts (the sender included when sync). */
  inboxUsers?: readonly string[];
  /** Read diffusion and transient messages: users whose online devices get the push. */
  pushUsers?: readonly string[];
  participants?: readonly string[];

  // ---- decided by the store ---------------------------------------------------------------
  record?: NewMessage;
  /** The first stamp of an earlier identical SEND (same from + clientMsgId): nothing new is stored. */
  duplicateOf?: AppendResult;
  result?: AppendResult;
}

/** A stage either lets the message go on or throws an ImError that becomes the sender's ERROR. */
export type Stage = (msg: Outgoing) => void | Promise<void>;

/**
 * Runs the stages in order. A stage that returns synchronously is not awaited: after the store
 * commit, the rest of the pipeline runs in the same turn, so messages of one commit are published
 * in commit order and every device sees its acks and pushes in pts order.
 */
export async function runPipeline(stages: readonly Stage[], msg: Outgoing): Promise<void> {
  for (const stage of stages) {
    const r = stage(msg);
    if (r !== undefined) await r;
  }
}

export type { Recipient };
