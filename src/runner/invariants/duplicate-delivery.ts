import type { Index, Sink } from './context.js';
import { ms } from './format.js';

/**
 * **duplicate-delivery** — a device gets each message by PUSH at most once, and never its own.
 *
 * A PUSH is a duplicate when the device already got that msgId by PUSH or by SEND_ACK, or when it
 * is the device's own send (the sending device gets SEND_ACK only, PROTOCOL.md §3) — whichever
 * order the PUSH and the SEND_ACK arrived in. Each such PUSH frame is one violation and counts
 * once in `countDuplicates`. SYNC_RESP and HISTORY_RESP returning a message the device already
 * has are pulls, never duplicates; a retried SEND returning the same stamp is not either.
 *
 * Example: `PUSH of 7266… (group:team seq 4) to bob@phone at 340 ms: already got by PUSH at 120 ms`.
 */
export function checkDuplicateDelivery(index: Index, sink: Sink): void {
  for (const d of index.devices) {
    for (const m of d.seen) {
      if (m.duplicate === undefined) continue;
      const why = m.duplicate;
      sink.report('duplicate-delivery', { user: d.user, device: d.device, convId: m.convId }, () =>
        `PUSH of ${m.msgId} (${m.convId}${m.seq === undefined ? '' : ` seq ${m.seq}`}) to ${d.name} at ${ms(m.at)} ms: ${why}`,
      );
    }
  }
}
