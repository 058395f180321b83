import { CmdType, cmdName, errorName } from '../protocol/codes.js';
import type { ServerFrame } from '../protocol/frames.js';
import { isFrame } from './match.js';

const MAX_CONTENT_CHARS = 80;

function clip(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > MAX_CONTENT_CHARS ? `${text.slice(0, MAX_CONTENT_CHARS)}…` : text;
}

function details(frame: ServerFrame): string[] {
  if (isFrame(frame, CmdType.PUSH)) {
    const { route, stamp } = frame;
    const parts = [`from=${route.from}`, `to=${route.to}`, `conv=${stamp.convId}`];
    if (stamp.seq !== undefined) parts.push(`seq=${stamp.seq}`);
    if (stamp.pts !== undefined) parts.push(`pts=${stamp.pts}`);
    return [...parts, clip(frame.content)];
  }
  if (isFrame(frame, CmdType.SEND_ACK)) return [`conv=${frame.stamp.convId}`, `seq=${frame.stamp.seq}`, `pts=${frame.stamp.pts}`];
  if (isFrame(frame, CmdType.SYNC_RESP) || isFrame(frame, CmdType.HISTORY_RESP)) {
    return [`messages=${frame.content.messages.length}`, `hasMore=${frame.content.hasMore}`];
  }
  if (isFrame(frame, CmdType.ERROR)) {
    return [`${errorName(frame.content.code)}(${frame.content.code})`, clip(frame.content.message)];
  }
  return [clip(frame.content)];
}

/**
 * One line describing a server frame, for error messages and logs:
 * `PUSH from=alice to=bob conv=single:alice:bob seq=3 pts=5 {"text":"hi"}`.
 */
export function summarizeFrame(frame: ServerFrame): string {
  const head = frame.header.reqId === undefined ? [cmdName(frame.header.cmd)] : [cmdName(frame.header.cmd), `reqId=${frame.header.reqId}`];
  return [...head, ...details(frame)].join(' ');
}
