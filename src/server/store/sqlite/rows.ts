import type { ConvType, MsgType } from '../../../protocol/codes.js';
import type { StoredMessage } from '../../../protocol/frames.js';

/** The columns of a message row as every read selects them (msg_id as exact decimal text). */
export const MESSAGE_COLUMNS = `CAST(m.msg_id AS TEXT) AS msgId, m.conv_id AS convId, m.conv_type AS convType,
  m.msg_type AS msgType, m.from_user AS fromUser, m.to_target AS toTarget, m.seq AS seq,
  m.send_time AS sendTime, m.content AS content, m.client_msg_id AS clientMsgId`;

export interface MessageRow {
  msgId: string;
  convId: string;
  convType: ConvType;
  msgType: MsgType;
  fromUser: string;
  toTarget: string;
  seq: number;
  sendTime: number;
  content: string;
  clientMsgId: string | null;
}

export function toStoredMessage(row: MessageRow): StoredMessage {
  const message: StoredMessage = {
    msgId: row.msgId,
    convId: row.convId,
    convType: row.convType,
    msgType: row.msgType,
    from: row.fromUser,
    to: row.toTarget,
    seq: row.seq,
    sendTime: row.sendTime,
    content: JSON.parse(row.content) as StoredMessage['content'],
  };
  if (row.clientMsgId !== null) message.clientMsgId = row.clientMsgId;
  return message;
}
