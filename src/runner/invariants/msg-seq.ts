import type { Index, Sink } from './context.js';
import { ms } from './format.js';

/**
 * **msg-seq** — a message has one seq, everywhere it appears, and a stored message's seq is ≥ 1.
 *
 * The converse of seq-unique (a seq names one msgId): every stamp carrying a msgId — the SEND_ACK
 * the runner got for each of its sends, and every PUSH, SEND_ACK, SYNC_RESP and HISTORY_RESP
 * message any device received — must carry the same seq, or, for a transient message, none at
 * all. The acks are read first, so the ack is the reference when there is one. On top of that:
 * - every seq present is a whole number ≥ 1 (seqs of a conversation start at 1);
 * - an acked stored send (`persist` true) has a seq in its ack; an acked transient one (`persist`
 *   false, or TYPING) has none — a transient message takes no seq (PROTOCOL.md §3).
 *
 * Each (msgId, other seq) disagreement is reported once, naming the device (or sender) that saw
 * the second value; a bad or missing seq is reported once per msgId.
 *
 * Examples: `7266… of group:team has seq 4 (alice@phone ack) and seq 5 (bob@phone HISTORY_RESP)`;
 * `7266… of group:team is stored but its ack (alice@phone) has no seq`.
 */
export function checkMsgSeq(index: Index, sink: Sink): void {
  // `who` is a function: a million-push run names a stamp's holder only when it reports one.
  const first = new Map<string, { seq: number | undefined; who: () => string }>();
  const reported = new Set<string>();
  const once = (key: string): boolean => {
    if (reported.has(key)) return false;
    reported.add(key);
    return true;
  };
  const show = (seq: number | undefined): string => (seq === undefined ? 'no seq' : `seq ${seq}`);
  const observe = (msgId: string, convId: string, seq: number | undefined, who: () => string, where: { user: string; device: string }): void => {
    if (seq !== undefined && !(Number.isInteger(seq) && seq >= 1) && once(`bad\n${msgId}`)) {
      sink.report('msg-seq', { ...where, convId }, () => `${msgId} of ${convId} has seq ${seq} (${who()}): a stored message's seq is a whole number ≥ 1`);
    }
    const f = first.get(msgId);
    if (!f) {
      first.set(msgId, { seq, who });
      return;
    }
    if (f.seq === seq || !once(`two\n${msgId}\n${show(seq)}`)) return;
    sink.report('msg-seq', { ...where, convId }, () => `${msgId} of ${convId} has ${show(f.seq)} (${f.who()}) and ${show(seq)} (${who()})`);
  };
  for (const s of index.record.sends) {
    if (!s.ack || s.error !== undefined) continue;
    const { msgId, convId, seq } = s.ack;
    const where = { user: s.user, device: s.device };
    const who = () => `${s.user}@${s.device} ack`;
    if (s.persist && seq === undefined && once(`none\n${msgId}`)) {
      sink.report('msg-seq', { ...where, convId }, () => `${msgId} of ${convId} is stored but its ack (${s.user}@${s.device}) has no seq`);
    }
    if (!s.persist && seq !== undefined && once(`transient\n${msgId}`)) {
      sink.report('msg-seq', { ...where, convId }, () => `${msgId} of ${convId} is transient but its ack (${s.user}@${s.device}) has seq ${seq}`);
    }
    observe(msgId, convId, seq, who, where);
  }
  for (const d of index.devices) {
    const where = { user: d.user, device: d.device };
    for (const m of d.seen) observe(m.msgId, m.convId, m.seq, () => `${d.name} ${m.via}${m.via === 'PUSH' || m.via === 'SEND_ACK' ? '' : ` at ${ms(m.at)} ms`}`, where);
  }
}
