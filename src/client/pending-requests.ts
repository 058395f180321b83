import { CmdType, cmdName } from '../protocol/codes.js';
import type { ServerFrame } from '../protocol/frames.js';
import { ImClientError, ImRequestError } from './errors.js';
import { isFrame } from './match.js';

/** Which server command answers which client command; any of them may instead get ERROR. */
const REPLY_OF: Readonly<Record<number, number>> = {
  [CmdType.PING]: CmdType.PONG,
  [CmdType.SEND]: CmdType.SEND_ACK,
  [CmdType.SYNC]: CmdType.SYNC_RESP,
  [CmdType.READ]: CmdType.READ_ACK,
  [CmdType.HISTORY]: CmdType.HISTORY_RESP,
};

interface Pending {
  cmd: number;
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
}

/** Requests in flight on one connection, keyed by reqId, each with its deadline. */
export class PendingRequests {
  readonly #pending = new Map<string, Pending>();

  constructor(private readonly owner: string) {}

  /**
   * Awaits the reply to `reqId`. `fail` rejects it early (the write failed). The promise rejects
   * with ImRequestError on ERROR, ImClientError('timeout') past `timeoutMs`.
   */
  expect(reqId: string, cmd: number, timeoutMs: number): { reply: Promise<ServerFrame>; fail(error: Error): void } {
    const what = this.#what(cmd, reqId);
    if (this.#pending.has(reqId)) {
      return { reply: Promise.reject(new Error(`${what}: that reqId is already awaiting a reply`)), fail: () => {} };
    }
    let fail: (error: Error) => void = () => {};
    const reply = new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(reqId);
        reject(new ImClientError('timeout', `${what}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = <T>(fn: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        this.#pending.delete(reqId);
        fn(v);
      };
      fail = done(reject);
      this.#pending.set(reqId, { cmd, resolve: done(resolve), reject: fail });
    });
    return { reply, fail };
  }

  /**
   * Settles the request this frame answers and returns true, or returns false. Only ERROR or the
   * command's own reply type counts: a PUSH never answers a request, whatever reqId it carries.
   */
  settle(frame: ServerFrame): boolean {
    const reqId = frame.header.reqId;
    const pending = reqId === undefined ? undefined : this.#pending.get(reqId);
    if (reqId === undefined || !pending) return false;
    if (isFrame(frame, CmdType.ERROR)) {
      const { code, message, retryAfterMs } = frame.content;
      const context = this.#what(pending.cmd, reqId);
      pending.reject(new ImRequestError(retryAfterMs === undefined ? { code, message, context } : { code, message, retryAfterMs, context }));
      return true;
    }
    if (REPLY_OF[pending.cmd] !== frame.header.cmd) return false;
    pending.resolve(frame);
    return true;
  }

  /** The connection is gone: every request still waiting fails now. */
  closeAll(because: string): void {
    for (const [reqId, pending] of this.#pending) {
      pending.reject(new ImClientError('closed', `${this.#what(pending.cmd, reqId)} got no reply: ${because}`));
    }
  }

  #what(cmd: number, reqId: string): string {
    return `${this.owner}: ${cmdName(cmd)} reqId=${reqId}`;
  }
}
