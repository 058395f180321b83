import { READ_DIFFUSION_TYPES } from '../../protocol/codes.js';
import type { SendRecord } from '../types.js';
import type { DeviceView, Index, Sink } from './context.js';
import { ms } from './format.js';

/**
 * **lost** — every acknowledged message reached every recipient device that was there for it,
 * by PUSH while it stayed online (PROTOCOL.md §6.3: "in normal operation every online device of
 * every recipient gets a PUSH"), by SYNC/HISTORY only after it had been away.
 *
 * For each SendRecord with an ack (and no error), the target devices are every device of every
 * user in `recipients` (the sender excluded) and, when `syncToSender`, every other device of the
 * sender (the sending device's own SEND_ACK is no push, and the sender's other devices need the
 * PUSH like anyone else). A target device is held to the rule when it had one session open from
 * `at` (the SEND was written) to `ackAt` — a device that connected after the SEND, or was offline
 * at the ack, is not required to get the push; a later SYNC is its own business — and then:
 * - **online to the end** (that session never closed): the msgId must have come **by PUSH**. A
 *   SYNC_RESP or HISTORY_RESP on the same connection does not count — a device that never went
 *   away must not need to pull to see a message, so a push lost to an online device is caught
 *   even when the scenario later SYNCs it. This holds for transient messages too;
 * - **persisted, away later** (the session closed after the ack and the device opened another
 *   session afterwards): the msgId must have come in any frame — by PUSH before the close, or by
 *   SYNC/HISTORY (or a PUSH) later (PROTOCOL.md §6.3: what a push misses, a SYNC returns). A
 *   device that never came back is not checked (a push racing the close is no server fault), nor
 *   is a read-diffusion message (CHATROOM, CHANNEL, MILLION_GROUP) whose session closed, as SYNC
 *   never returns those;
 * - **transient, away later** (`persist` false, the session closed at any point after `at`): not
 *   checked — a transient message is never stored, so nothing can bring it back.
 *
 * Each (user, device, msgId) missing is one violation and counts once in `countLost`.
 *
 * Examples: `7266… (alice@phone → group:team seq 4, acked at 120 ms) never reached bob@tablet (online 0 ms–end)`;
 * `7266… (…) was never pushed to bob@tablet (online 0 ms–end): it came only by SYNC_RESP at 300 ms`.
 */
export function checkLost(index: Index, sink: Sink): void {
  for (const s of index.record.sends) {
    if (!s.ack || s.error !== undefined) continue;
    const ack = s.ack;
    const targets: DeviceView[] = [];
    for (const u of new Set(s.recipients)) if (u !== s.user) targets.push(...(index.byUser.get(u) ?? []));
    if (s.syncToSender) for (const d of index.byUser.get(s.user) ?? []) if (d.device !== s.device) targets.push(d);
    for (const d of targets) {
      if (d.pushed.has(ack.msgId)) continue;
      const need = required(d, s);
      if (need === undefined) continue;
      if (!need.pushOnly && d.has.has(ack.msgId)) continue;
      sink.report('lost', { user: d.user, device: d.device, convId: ack.convId }, () => {
        const what = `${ack.convId}${ack.seq === undefined ? '' : ` seq ${ack.seq}`}${s.persist ? '' : ', transient'}`;
        const head = `${ack.msgId} (${s.user}@${s.device} → ${what}, acked at ${ms(s.ackAt ?? s.at)} ms)`;
        const pulled = d.has.has(ack.msgId) ? d.seen.find((m) => m.msgId === ack.msgId) : undefined;
        if (pulled) return `${head} was never pushed to ${d.name} (${need.why}): it came only by ${pulled.via} at ${ms(pulled.at)} ms`;
        return `${head} never reached ${d.name} (${need.why})`;
      });
    }
  }
}

/**
 * Whether the device had to get the message, and how: `pushOnly` when it stayed online from the
 * send to the end (only a PUSH counts), else any frame (it was away, a SYNC/HISTORY may bring it).
 */
function required(d: DeviceView, s: SendRecord): { why: string; pushOnly: boolean } | undefined {
  const ackAt = s.ackAt ?? s.at;
  const { sessions } = d;
  for (let i = 0; i < sessions.length; i++) {
    const x = sessions[i]!;
    if (x.openedAt > s.at) break;
    if (x.closedAt === undefined) return { why: `online ${ms(x.openedAt)} ms–end`, pushOnly: true };
    if (!s.persist || x.closedAt <= ackAt) continue;
    const back = sessions[i + 1];
    if (!back || READ_DIFFUSION_TYPES.has(s.convType)) return undefined;
    return { why: `online ${ms(x.openedAt)}–${ms(x.closedAt)} ms, back at ${ms(back.openedAt)} ms`, pushOnly: false };
  }
  return undefined;
}
