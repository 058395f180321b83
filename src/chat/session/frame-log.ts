import { CmdType } from '../../protocol/codes.js';
import { isCmd, type ServerFrame } from '../../protocol/frames.js';
import type { WireEvent } from './session-types.js';

const RECENT = 200;
const BY_MSG_ID = 5_000;

/** The frames `/raw` and `/log` show: the last few on the wire, and the latest frame per msgId. */
export class FrameLog {
  readonly #recent: WireEvent[] = [];
  readonly #byMsgId = new Map<string, unknown>();
  /** The msgIds whose remembered frame carries a pts. */
  readonly #withPts = new Set<string>();

  push(event: WireEvent): void {
    this.#recent.push(event);
    if (this.#recent.length > RECENT) this.#recent.shift();
  }

  /** Indexes a received frame by the msgIds it carries (PUSH, SEND_ACK, and SYNC/HISTORY pages). */
  remember(frame: ServerFrame): void {
    if (isCmd(frame, CmdType.PUSH) || isCmd(frame, CmdType.SEND_ACK)) this.#put(frame.stamp.msgId, frame, frame.stamp.pts);
    if (isCmd(frame, CmdType.SYNC_RESP) || isCmd(frame, CmdType.HISTORY_RESP)) {
      for (const m of frame.content.messages) this.#put(m.stamp.msgId, m, m.stamp.pts);
    }
  }

  frameFor(msgId: string): unknown {
    return this.#byMsgId.get(msgId);
  }

  recent(): readonly WireEvent[] {
    return this.#recent;
  }

  #put(msgId: string, frame: unknown, pts: number | undefined): void {
    // The timeline keeps the pts of whichever copy had one (a HISTORY page has none): so does /raw.
    if (pts === undefined && this.#withPts.has(msgId)) return;
    if (pts === undefined) this.#withPts.delete(msgId);
    else this.#withPts.add(msgId);
    // Re-inserting keeps the Map's order = recency, so the oldest entry is the first key.
    this.#byMsgId.delete(msgId);
    this.#byMsgId.set(msgId, frame);
    if (this.#byMsgId.size > BY_MSG_ID) {
      const oldest = this.#byMsgId.keys().next().value;
      if (oldest !== undefined) {
        this.#byMsgId.delete(oldest);
        this.#withPts.delete(oldest);
      }
    }
  }
}
