import { ImClient } from '../../src/client/im-client.js';
import { isImClientError } from '../../src/client/errors.js';
import { isFrame } from '../../src/client/match.js';
import { CmdType } from '../../src/protocol/codes.js';
import type { PushFrame, SendAckFrame } from '../../src/protocol/frames.js';
import type { SendRequest } from '../../src/client/types.js';

/**
 * One device of a user on a cluster, as a client that follows the protocol would run it: when its
 * node goes away it connects to the next node that answers (in `urls` order from its home node)
 * and SYNCs from its last pts; a SEND that fails for any reason is sent again with the same
 * clientMsgId (§6.2) until it is acked. It keeps a compact log of what it received on every
 * connection, for the assertions.
 */

export interface ReceivedStamp {
  pts: number | undefined;
  msgId: string;
  seq: number | undefined;
  text: unknown;
}

export interface AckRecord {
  clientMsgId: string;
  msgId: string;
  seq: number | undefined;
  pts: number | undefined;
  /** Index (in `urls`) of the node whose connection carried the ack. */
  node: number;
  /** Attempts it took (1: acked the first time). */
  attempts: number;
  /** What the caller's `phase()` said when the ack arrived. */
  phase: string;
}

export interface FailoverOptions {
  urls: readonly string[];
  /** Index in `urls` of the node to try first. */
  home: number;
  userId: string;
  token: string;
  deviceId?: string;
  requestTimeoutMs?: number;
  /** Labels each ack (e.g. 'before-kill', 'killed', 'restarted'). */
  phase?: () => string;
}

const stampOf = (frame: PushFrame): ReceivedStamp => ({ pts: frame.stamp.pts, msgId: frame.stamp.msgId, seq: frame.stamp.seq, text: frame.content.text });

export class FailoverDevice {
  /** PUSHes received, on every connection, in arrival order. */
  readonly pushes: ReceivedStamp[] = [];
  /** Messages SYNC returned after a reconnect (and by `catchUp`). */
  readonly synced: ReceivedStamp[] = [];
  readonly acks: AckRecord[] = [];
  /** Every error a SEND attempt ended with, by clientMsgId. */
  readonly failures = new Map<string, string[]>();
  /** Node index of each connection, in order. */
  readonly connections: number[] = [];
  #client!: ImClient;
  #node = -1;
  #reconnecting: Promise<void> | undefined;
  #closed = false;
  readonly #watchers = new Set<() => void>();

  private constructor(private readonly options: FailoverOptions) {}

  static async connect(options: FailoverOptions): Promise<FailoverDevice> {
    const device = new FailoverDevice(options);
    await device.#connectSomewhere(0);
    return device;
  }

  get client(): ImClient {
    return this.#client;
  }

  /** Index in `urls` of the node it is connected to now. */
  get node(): number {
    return this.#node;
  }

  get label(): string {
    return `${this.options.userId}/${this.options.deviceId ?? 'default'}`;
  }

  /**
   * Sends until acked, with the same clientMsgId every time: on an ERROR reply, a timeout or a
   * closed connection (after reconnecting elsewhere when it is closed). Gives up after `maxAttempts`.
   */
  async sendReliably(request: SendRequest, clientMsgId: string, maxAttempts = 20): Promise<AckRecord> {
    const withId: SendRequest = { ...request, control: { ...request.control, clientMsgId } };
    for (let attempt = 1; ; attempt++) {
      const node = this.#node;
      try {
        const ack: SendAckFrame = await this.#client.send(withId);
        const record: AckRecord = {
          clientMsgId,
          msgId: ack.stamp.msgId,
          seq: ack.stamp.seq,
          pts: ack.stamp.pts,
          node,
          attempts: attempt,
          phase: this.options.phase?.() ?? '',
        };
        this.acks.push(record);
        this.#notify();
        return record;
      } catch (e) {
        const list = this.failures.get(clientMsgId) ?? [];
        list.push(e instanceof Error ? e.message : String(e));
        this.failures.set(clientMsgId, list);
        if (attempt >= maxAttempts || this.#closed) throw e;
        if (!this.#client.isOpen || (isImClientError(e) && e.reason === 'closed')) await this.failover();
      }
    }
  }

  /** Connects to the next node that answers (starting after the current one) and SYNCs from the last pts. */
  failover(): Promise<void> {
    this.#reconnecting ??= (async () => {
      try {
        await this.#client.close().catch(() => undefined);
        await this.#connectSomewhere(1);
        await this.catchUp();
      } finally {
        this.#reconnecting = undefined;
      }
    })();
    return this.#reconnecting;
  }

  /**
   * Resolves once `predicate` holds, checked again on every PUSH, SEND_ACK and SYNC on any connection
   * (received before the call counts too); rejects after `timeoutMs`, naming `what`.
   */
  until(what: string, predicate: (device: FailoverDevice) => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this)) return;
        stop();
        resolve();
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`${this.label}: ${what} not so after ${timeoutMs} ms (${this.pushes.length} pushes, ${this.synced.length} synced)`));
      }, timeoutMs);
      const stop = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      this.#watchers.add(check);
      check();
    });
  }

  /** SYNC from the highest pts this device has seen, on any connection, to the end. */
  async catchUp(): Promise<void> {
    const { messages } = await this.#client.syncAll(this.lastPts, 500);
    for (const m of messages) this.synced.push(stampOf(m));
    this.#notify();
  }

  /** The highest pts seen by any connection of this device (PUSH, SEND_ACK, SYNC). */
  get lastPts(): number {
    let max = 0;
    for (const s of [...this.pushes, ...this.synced, ...this.acks]) if (s.pts !== undefined && s.pts > max) max = s.pts;
    return max;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#reconnecting?.catch(() => undefined);
    await this.#client?.close();
  }

  /** Tries the nodes in `urls` order from home + `skip` (wrapping), first one that accepts wins. */
  async #connectSomewhere(skip: number): Promise<void> {
    const { urls, userId, token, deviceId = 'default', requestTimeoutMs = 10_000 } = this.options;
    const start = this.#node < 0 ? this.options.home : this.#node;
    const errors: string[] = [];
    for (let k = skip; k < skip + urls.length; k++) {
      const node = (start + k) % urls.length;
      try {
        const client = await ImClient.connect({ url: urls[node]!, token, userId, deviceId, requestTimeoutMs, connectTimeoutMs: 5_000 });
        this.#attach(client);
        this.#client = client;
        this.#node = node;
        this.connections.push(node);
        return;
      } catch (e) {
        errors.push(`node ${node + 1}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    throw new Error(`${this.label}: no node accepted the connection (${errors.join('; ')})`);
  }

  #notify(): void {
    for (const check of [...this.#watchers]) check();
  }

  #attach(client: ImClient): void {
    client.on('received', (frame) => {
      if (isFrame(frame, CmdType.PUSH)) {
        this.pushes.push(stampOf(frame));
        this.#notify();
      }
    });
    // Keep the inbox small: pushes are logged above.
    client.on('frame', (frame) => {
      if (isFrame(frame, CmdType.PUSH)) client.take((f) => f === frame);
    });
  }
}
