/**
 * The columns of a message row as every read selects them. pg returns BIGINT as a decimal string,
 * which is exactly what a msgId must stay; seq and send_time are converted to numbers by
 * `toStoredMessage` (../message-row.ts).
 */
export const MESSAGE_COLUMNS = `m.msg_id::text AS "msgId", m.conv_id AS "convId", m.conv_type AS "convType",
  m.msg_type AS "msgType", m.from_user AS "fromUser", m.to_target AS "toTarget", m.seq AS seq,
  m.send_time AS "sendTime", m.content AS content, m.client_msg_id AS "clientMsgId"`;

/** A BIGINT counter (seq, pts) read as text, or null/undefined for none. */
export const num = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * An exclusive lower bound for `column > $n` on a BIGINT column: an integer, so the comparison
 * stays int8 = int8 and uses the index.
 */
export function lowerBound(x: number): string {
  if (Number.isNaN(x)) return '0';
  return String(Math.min(Number.MAX_SAFE_INTEGER, Math.max(-1, Math.floor(x))));
}

/** An exclusive upper bound for `column < $n` on a BIGINT column. */
export function upperBound(x: number): string {
  if (Number.isNaN(x)) return '0';
  return String(Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.ceil(x))));
}

/** A usable LIMIT: never negative. */
export const pageSize = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);
