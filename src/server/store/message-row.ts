import type { ConvType, MsgType } from '../../protocol/codes.js';
import type { StoredMessage } from '../../protocol/frames.js';

/**
 * A message row as every adapter's reads select it (the column names are the adapters' own). The
 * msgId is exact decimal text; seq and sendTime are numbers in SQLite and BIGINT text in
 * PostgreSQL (`N`), both far below 2^53.
 */
export interface MessageRow<N extends number | string = number> {
  msgId: string;
  convId: string;
  convType: ConvType;
  msgType: MsgType;
  fromUser: string;
  toTarget: string;
  seq: N;
  sendTime: N;
  content: string;
  clientMsgId: string | null;
}

export function toStoredMessage(row: MessageRow<number | string>): StoredMessage {
  const message: StoredMessage = {
    msgId: row.msgId,
    convId: row.convId,
    convType: row.convType,
    msgType: row.msgType,
    from: row.fromUser,
    to: row.toTarget,
    seq: Number(row.seq),
    sendTime: Number(row.sendTime),
    content: JSON.parse(row.content) as StoredMessage['content'],
  };
  if (row.clientMsgId !== null) message.clientMsgId = row.clientMsgId;
  return message;
}
