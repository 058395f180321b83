import { randomUUID } from 'node:crypto';
import { isImClientError, isImRequestError, type ImClient } from '../../client/index.js';
import { CmdType, type ConvType, type MsgType } from '../../protocol/codes.js';
import type { Content } from '../../protocol/frames.js';
import type { Conversation } from '../model/chat-types.js';
import { describeError } from './describe-error.js';
import type { ViewStore } from './view-store.js';

interface Unacked {
  convType: ConvType;
  msgType: MsgType;
  to: string;
  content: Content;
  clientMsgId: string;
}

/**
 * Own messages until their SEND_ACK. Each gets a clientMsgId when typed; one that meets a closed
 * connection stays `sending` and goes again, with the same clientMsgId, after the reconnect: the
 * server's idempotency (§6.2) turns a resend of a message it had already stored into its first stamp.
 */
export class Outbox {
  readonly #store: ViewStore;
  readonly #client: () => ImClient | undefined;
  readonly #unacked = new Map<string, Unacked>();
  #nextReqId = 0;

  constructor(store: ViewStore, client: () => ImClient | undefined) {
    this.#store = store;
    this.#client = client;
  }

  send(conv: Conversation, msgType: MsgType, content: Content): void {
    const reqId = `c${++this.#nextReqId}`;
    const entry: Unacked = { convType: conv.convType, msgType, to: conv.target, content, clientMsgId: randomUUID() };
    this.#store.dispatch({
      type: 'sent',
      reqId,
      convId: conv.convId,
      convType: conv.convType,
      to: conv.target,
      msgType,
      content,
      sendTime: Date.now(),
      clientMsgId: entry.clientMsgId,
    });
    this.#unacked.set(reqId, entry);
    this.#write(reqId);
  }

  /** After a reconnect (and its SYNC): everything still unacknowledged, in the order typed. */
  resendAll(): void {
    for (const reqId of this.#unacked.keys()) this.#write(reqId);
  }

  /** Whether an ERROR with this reqId answers one of ours (its notice comes from the send itself). */
  owns(reqId: string): boolean {
    return this.#unacked.has(reqId);
  }

  #write(reqId: string): void {
    const entry = this.#unacked.get(reqId);
    const client = this.#client();
    if (entry === undefined || client === undefined) return;
    const { convType, msgType, to, content, clientMsgId } = entry;
    client.request(CmdType.SEND, content, { header: { reqId }, route: { convType, msgType, to }, control: { clientMsgId } }).then(
      () => this.#unacked.delete(reqId),
      (e: unknown) => {
        if (isImClientError(e) && e.reason === 'closed') return;
        this.#unacked.delete(reqId);
        // An ERROR frame already marked the message failed in the model; anything else did not.
        if (!isImRequestError(e)) this.#store.dispatch({ type: 'sendFailed', reqId, message: describeError(e) });
        this.#store.notice('error', describeError(e));
      },
    );
  }
}
