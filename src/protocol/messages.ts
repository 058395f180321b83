import { CmdType, PROTOCOL_VERSION } from './codes.js';
import type { Control, PushFrame, StoredMessage } from './frames.js';

/**
 * A stored message as a recipient sees it (PUSH, and the elements of SYNC_RESP and
 * HISTORY_RESP). `pts` is the receiving user's; omit it where the frame has none (§4, §3).
 */
export function pushFrame(m: StoredMessage | (Omit<StoredMessage, 'seq'> & { seq?: number }), pts?: number, extra?: { control?: Control; options?: Record<string, unknown> }): PushFrame {
  const stamp: PushFrame['stamp'] = { msgId: m.msgId, convId: m.convId, sendTime: m.sendTime };
  if (m.seq !== undefined) stamp.seq = m.seq;
  if (pts !== undefined) stamp.pts = pts;
  const control: Control = { ...extra?.control };
  if (m.clientMsgId !== undefined) control.clientMsgId = m.clientMsgId;
  return {
    header: { version: PROTOCOL_VERSION, cmd: CmdType.PUSH },
    route: { convType: m.convType, msgType: m.msgType, from: m.from, to: m.to },
    content: m.content,
    control,
    options: extra?.options ?? {},
    stamp,
  };
}
