import { READ_DIFFUSION_TYPES } from '../../protocol/codes.js';
import type { SendRecord } from '../types.js';
import type { DeviceView, Index, Sink } from './context.js';

/**
 * **lost** — every acknowledged message reached every recipient device that was there for it.
 *
 * For each SendRecord with an ack (and no error), the target devices are every device of every
 * user in `recipients` (the sender excluded) and, when `syncToSender`, every other device of the
 * sender. A target device satisfies the rule when the msgId appears in any frame it ever got
 * (PUSH, SYNC_RESP, HISTORY_RESP, or a SEND_ACK of a retry). It is required to when:
 * - **persisted** (`persist` true): it had one session open across the whole send, from `at`
 *   (the SEND was written) to `ackAt` (a device that connected after the SEND, or was offline at
 *   the ack, is not required to get the push; a later SYNC is its own business), and
 *   - that session stayed open to the end of the run, or
 *   - it closed later and the device opened another session afterwards: then the message must
 *     have come before the close or by a SYNC/HISTORY later (PROTOCOL.md §6.3). A device that
 *     never came back is not checked (a push racing the close is no server fault), nor is a
 *     read-diffusion message (CHATROOM, CHANNEL, MILLION_GROUP) whose session closed, as SYNC
 *     never returns those;
 * - **transient** (`persist` false): it had one session open from `at` to the end of the run; a
 *   device whose session closed at any point after `at` is not checked.
 *
 * Each (user, device, msgId) missing is one violation and counts once in `countLost`.
 *
 * Example: `7266… (alice@phone → group:team seq 4, acked at 120 ms) never reached bob@tablet (online 0 ms–end)`.
 */
export function checkLost(index: Index, sink: Sink): void {
  for (const s of index.record.sends) {
    if (!s.ack || s.error !== undefined) continue;
    const ack = s.ack;
    const targets: DeviceView[] = [];
    for (const u of new Set(s.recipients)) if (u !== s.user) targets.push(...(index.byUser.get(u) ?? []));
    if (s.syncToSender) for (const d of index.byUser.get(s.user) ?? []) if (d.device !== s.device) targets.push(d);
    for (const d of targets) {
      if (d.has.has(ack.msgId)) continue;
      const online = required(d, s);
      if (online === undefined) continue;
      sink.report('lost', { user: d.user, device: d.device, convId: ack.convId }, () => {
        const what = `${ack.convId}${ack.seq === undefined ? '' : ` seq ${ack.seq}`}${s.persist ? '' : ', transient'}`;
        return `${ack.msgId} (${s.user}@${s.device} → ${what}, acked at ${s.ackAt ?? s.at} ms) never reached ${d.name} (${online})`;
      });
    }
  }
}

/** Why the device had to get the message (its session, for the message), or undefined. */
function required(d: DeviceView, s: SendRecord): string | undefined {
  const ackAt = s.ackAt ?? s.at;
  const { sessions } = d;
  for (let i = 0; i < sessions.length; i++) {
    const x = sessions[i]!;
    if (x.openedAt > s.at) break;
    if (!s.persist) {
      if (x.closedAt === undefined) return `online ${x.openedAt} ms–end`;
      continue;
    }
    if (x.closedAt !== undefined && x.closedAt <= ackAt) continue;
    if (x.closedAt === undefined) return `online ${x.openedAt} ms–end`;
    const back = sessions[i + 1];
    if (!back || READ_DIFFUSION_TYPES.has(s.convType)) return undefined;
    return `online ${x.openedAt}–${x.closedAt} ms, back at ${back.openedAt} ms`;
  }
  return undefined;
}
