import { CmdType } from '../protocol/codes.js';
import { parseServerFrame } from '../protocol/decode.js';
import type { PushFrame, ServerFrame } from '../protocol/frames.js';

/**
 * Parses server frames for many clients of one process, sharing what their PUSHes of one message
 * have in common. A GROUP message to 1,000 members arrives as 1,000 texts that differ only in
 * `"pts":N`; a client that keeps every frame (the scenario runner checks them all) would hold
 * 1,000 copies of its route, content and control. Here each gets its own frame and stamp objects
 * (a frame is told apart by identity) around one shared header, route, content, control and
 * options. Only texts that are equal but for the pts value share, so nothing a server sent
 * differently is ever folded together.
 */
const PUSH_MARK = `"cmd":${CmdType.PUSH}`;

export class FrameSharer {
  /** The text with its pts value cut out → the first frame parsed from such a text. */
  readonly #seen = new Map<string, PushFrame>();

  parse(text: string): ServerFrame | undefined {
    if (!text.includes(PUSH_MARK)) return parseServerFrame(text);
    const at = text.lastIndexOf('"pts":');
    let end = at + 6;
    if (at >= 0) while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
    const key = at < 0 ? text : text.slice(0, at + 6) + text.slice(end);
    const first = this.#seen.get(key);
    if (first) {
      const stamp = at < 0 ? { ...first.stamp } : { ...first.stamp, pts: Number(text.slice(at + 6, end)) };
      return { ...first, stamp };
    }
    const frame = parseServerFrame(text);
    // Shared only when the digits cut out are the stamp's pts (not a "pts" key of the content).
    const stamp = frame?.header.cmd === CmdType.PUSH ? (frame as PushFrame).stamp : undefined;
    if (stamp && typeof stamp === 'object' && (at < 0 ? stamp.pts === undefined : stamp.pts === Number(text.slice(at + 6, end)))) this.#seen.set(key, frame as PushFrame);
    return frame;
  }
}
