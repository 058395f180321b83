import { CmdType } from '../../protocol/codes.js';
import { LatencyHistogram } from '../histogram.js';

/**
 * Counting PUSHes as they arrive, on whichever thread reads the sockets: each is told apart by
 * the `"bench":[sender, number, sendTime]` the message carries, so a receiver counts it once
 * and its end-to-end latency is its arrival time minus its send time. Raw bytes on the hot path
 * (a substring search and a digit loop): no string is made of the hundreds of thousands of
 * frames a fan-out case receives.
 */

/** Whether a frame is of command `cmd`: `"cmd":20` followed by `,` or `}` (the last header field). */
export const isCmd = (frame: Buffer, cmd: number): boolean => {
  const mark = CMD_MARKS.get(cmd)!;
  const at = frame.indexOf(mark);
  if (at < 0) return false;
  const next = frame[at + mark.length];
  return next === 44 /* , */ || next === 125 /* } */;
};
const CMD_MARKS = new Map([CmdType.PUSH, CmdType.SEND_ACK, CmdType.ERROR].map((c) => [c as number, Buffer.from(`"cmd":${c}`)]));
const BENCH_MARK = Buffer.from('"bench":[');

/** The three numbers of `"bench":[s,n,t]` at `from`: sender, message number, send time (ms, with decimals). */
function benchNumbers(frame: Buffer, from: number): [number, number, number] | undefined {
  const out: number[] = [];
  let value = 0;
  let scale = 0; // 0: integer part; else the place of the next decimal digit
  for (let i = from; i < frame.length; i++) {
    const c = frame[i]!;
    if (c >= 48 && c <= 57) {
      if (scale === 0) value = value * 10 + (c - 48);
      else {
        value += (c - 48) * scale;
        scale /= 10;
      }
    } else if (c === 46 /* . */) scale = 0.1;
    else if (c === 44 /* , */ || c === 93 /* ] */) {
      out.push(value);
      if (c === 93) return out.length === 3 ? (out as [number, number, number]) : undefined;
      value = 0;
      scale = 0;
    } else return undefined;
  }
  return undefined;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across the threads of this process. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

export class PushCounter {
  deliveries = 0;
  duplicates = 0;
  /** wallNow() of the last new delivery; 0 before the first. */
  lastAt = 0;
  // seen[receiver][sender] = one byte per message number: exactly once, without a Set of strings.
  readonly #seen: Map<number, Uint8Array>[];

  constructor(
    receivers: number,
    readonly latency = new LatencyHistogram(),
  ) {
    this.#seen = Array.from({ length: receivers }, () => new Map<number, Uint8Array>());
  }

  /** Takes one frame that receiver `r` read; true when it was a PUSH delivered for the first time. */
  onFrame(r: number, frame: Buffer): boolean {
    if (!isCmd(frame, CmdType.PUSH)) return false;
    const at = frame.indexOf(BENCH_MARK);
    if (at < 0) return false;
    const numbers = benchNumbers(frame, at + BENCH_MARK.length);
    if (!numbers) return false;
    const [s, n, t] = numbers;
    const bySender = this.#seen[r]!;
    let marks = bySender.get(s);
    if (!marks || n >= marks.length) {
      const grown = new Uint8Array(Math.max(64, (n + 1) * 2));
      if (marks) grown.set(marks);
      bySender.set(s, (marks = grown));
    }
    if (marks[n]) {
      this.duplicates++;
      return false;
    }
    marks[n] = 1;
    this.deliveries++;
    this.lastAt = wallNow();
    this.latency.record(this.lastAt - t);
    return true;
  }
}
