/** The columns of a message row as every read selects them (msg_id as exact decimal text). */
export const MESSAGE_COLUMNS = `CAST(m.msg_id AS TEXT) AS msgId, m.conv_id AS convId, m.conv_type AS convType,
  m.msg_type AS msgType, m.from_user AS fromUser, m.to_target AS toTarget, m.seq AS seq,
  m.send_time AS sendTime, m.content AS content, m.client_msg_id AS clientMsgId`;
