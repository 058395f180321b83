import { CmdType, cmdName } from '../../protocol/codes.js';
import type { ServerFrame } from '../../protocol/frames.js';
import type { Device } from '../actors.js';
import { closestFrame, diff } from '../diff.js';
import type { Matcher } from '../types.js';
import { StepFailed } from './context.js';

const RECENT_FRAMES = 10;

/** The request each reply answers, to name it in a failure. */
const REQUEST_OF: Readonly<Record<number, string>> = {
  [CmdType.PONG]: 'PING',
  [CmdType.SEND_ACK]: 'SEND',
  [CmdType.SYNC_RESP]: 'SYNC',
  [CmdType.READ_ACK]: 'READ',
  [CmdType.HISTORY_RESP]: 'HISTORY',
};

/**
 * Why a frame of the device's log cannot be taken by an expectation, or undefined when it is
 * still in the inbox. The log shows every frame, the inbox only unread unsolicited ones; a
 * failure that shows the one without the other would contradict itself.
 */
export function notInInbox(device: Device, frame: ServerFrame): string | undefined {
  const fate = device.inbox.fate(frame);
  if (fate.state === 'unread') return undefined;
  if (fate.state === 'consumed') {
    const by = fate.by === undefined ? 'an earlier step' : `the step at ${fate.by.file}:${fate.by.line}`;
    return `not in the inbox: ${by} already took it`;
  }
  const request = REQUEST_OF[frame.header.cmd] ?? `request (${cmdName(frame.header.cmd)} answers one)`;
  return `not in the inbox: it answered ${device.label}'s own ${request}, and replies never enter it (save: on that step keeps the reply)`;
}

/**
 * A StepFailed naming the actor, with its closest frame to `matcher` (or `frame`, the one the
 * failure is about) and its last frames. When that frame matches but could not be taken, the
 * reason says so: "no matching frame" next to a matching one would read as a runner bug.
 */
export function actorFailure(device: Device, reason: string, expected: string, matcher?: Matcher, frame?: ServerFrame): StepFailed {
  const log = device.log();
  const found = matcher === undefined ? undefined : frame !== undefined ? { frame, diff: diff(frame, matcher) } : closestFrame(log, matcher);
  const note = found === undefined ? undefined : notInInbox(device, found.frame);
  const closest = found === undefined ? undefined : { ...found, ...(note === undefined ? {} : { note }) };
  const why = closest !== undefined && note !== undefined && closest.diff === '' ? `${reason}; the ${cmdName(closest.frame.header.cmd)} that matches is ${note}` : reason;
  return new StepFailed(why, { expected, actor: device.label, recent: log.slice(-RECENT_FRAMES), ...(closest ? { closest } : {}) });
}
