import type { Index, Sink } from './context.js';

/**
 * **seq-unique** — in one conversation a seq names one message.
 *
 * Every (convId, seq) pair anywhere in the run — in every SEND_ACK the runner got for its sends,
 * and in every stamp any device received (PUSH, SEND_ACK, and each message of SYNC_RESP and
 * HISTORY_RESP pages) — must name the same msgId. The acks are read first, so the ack is the
 * reference when there is one. Each (convId, seq, other msgId) is reported once, naming the
 * device (or sender) that saw the second msgId. Stamps without a seq (transient messages) are
 * skipped.
 *
 * Example: `seq 4 of group:team names 7266… (alice@phone ack) and 7267… (bob@phone PUSH)`.
 */
export function checkSeqUnique(index: Index, sink: Sink): void {
  // By conversation, then seq: no key string made per stamp (a million-push run has a million).
  const names = new Map<string, Map<number, { msgId: string; who: () => string }>>();
  const reported = new Set<string>();
  const observe = (convId: string, seq: number, msgId: string, who: () => string, user: string, device: string): void => {
    let bySeq = names.get(convId);
    if (!bySeq) names.set(convId, (bySeq = new Map()));
    const first = bySeq.get(seq);
    if (!first) {
      bySeq.set(seq, { msgId, who });
      return;
    }
    if (first.msgId === msgId) return;
    const once = `${convId}\n${seq}\n${msgId}`;
    if (reported.has(once)) return;
    reported.add(once);
    sink.report('seq-unique', { user, device, convId }, () => `seq ${seq} of ${convId} names ${first.msgId} (${first.who()}) and ${msgId} (${who()})`);
  };
  for (const s of index.record.sends) {
    if (s.ack?.seq !== undefined) observe(s.ack.convId, s.ack.seq, s.ack.msgId, () => `${s.user}@${s.device} ack`, s.user, s.device);
  }
  for (const d of index.devices) {
    for (const m of d.seen) if (m.seq !== undefined) observe(m.convId, m.seq, m.msgId, () => `${d.name} ${m.via}`, d.user, d.device);
  }
}
