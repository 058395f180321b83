import type { Index, Sink } from './context.js';
import { ms } from './format.js';

/**
 * **push-seq-order** — per device and per conversation, successive PUSH frames carry strictly
 * increasing seq, within one session and across sessions.
 *
 * Only PUSH frames count (SEND_ACKs and SYNC/HISTORY pages do not). Pushes without a seq
 * (transient) are skipped, and so are pushes that duplicate-delivery reports (a msgId the device
 * already had by PUSH or SEND_ACK, or its own send): a repeat is reported once, there. An equal
 * seq with another msgId is reported by seq-unique, not here. After a violation the out-of-order
 * push becomes the reference, so one stray push is one violation.
 *
 * Example: `PUSH seq 3 (7267…) after seq 5 (7270…) of group:team on bob@phone at 340 ms`.
 */
export function checkPushSeqOrder(index: Index, sink: Sink): void {
  for (const d of index.devices) {
    const last = new Map<string, { seq: number; msgId: string }>();
    for (const m of d.seen) {
      if (m.via !== 'PUSH' || m.seq === undefined || m.duplicate !== undefined) continue;
      const prev = last.get(m.convId);
      last.set(m.convId, { seq: m.seq, msgId: m.msgId });
      if (!prev || m.seq >= prev.seq) continue;
      const seq = m.seq;
      sink.report('push-seq-order', { user: d.user, device: d.device, convId: m.convId }, () =>
        `PUSH seq ${seq} (${m.msgId}) after seq ${prev.seq} (${prev.msgId}) of ${m.convId} on ${d.name} at ${ms(m.at)} ms`,
      );
    }
  }
}
