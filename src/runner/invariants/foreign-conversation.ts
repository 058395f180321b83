import { CmdType } from '../../protocol/codes.js';
import type { PushFrame, ReadNotifyFrame } from '../../protocol/frames.js';
import type { Index, Sink } from './context.js';
import { ms } from './format.js';

/** Membership changes race with pushes in flight: a member up to this long before still counts. */
export const MEMBERSHIP_GRACE_MS = 1000;
const PROBE_STEP_MS = 50;

/**
 * **foreign-conversation** — no PUSH or READ_NOTIFY for a conversation the user is not in
 * (PROTOCOL.md §6.4).
 *
 * For each PUSH (conversation: `stamp.convId`) and READ_NOTIFY (`content.convId`) a device got at
 * time `at`, the user must be a member by `membership.isMember(user, convId, t)` for `t = at` or
 * some `t` within MEMBERSHIP_GRACE_MS (1 s) before it (probed every 50 ms, and at `at − 1000`).
 * SYNC_RESP and HISTORY_RESP are not checked: a user keeps the inbox rows of a group it left.
 *
 * Example: `PUSH 7266… (seq 4) of group:team to bob@phone at 340 ms: bob is not a member (nor in the 1 s before)`.
 */
export function checkForeignConversation(index: Index, sink: Sink): void {
  const { membership } = index.record;
  const member = (user: string, convId: string, at: number): boolean => {
    if (membership.isMember(user, convId, at)) return true;
    for (let t = at - PROBE_STEP_MS; t > at - MEMBERSHIP_GRACE_MS; t -= PROBE_STEP_MS) if (membership.isMember(user, convId, t)) return true;
    return membership.isMember(user, convId, at - MEMBERSHIP_GRACE_MS);
  };
  for (const d of index.devices) {
    for (const { at, frame } of d.record.frames) {
      let convId: string | undefined;
      let what: string;
      if (frame.header.cmd === CmdType.PUSH) {
        const stamp = (frame as PushFrame).stamp;
        convId = stamp?.convId;
        what = `PUSH ${stamp?.msgId}${stamp?.seq === undefined ? '' : ` (seq ${stamp.seq})`}`;
      } else if (frame.header.cmd === CmdType.READ_NOTIFY) {
        const c = (frame as ReadNotifyFrame).content;
        convId = c?.convId;
        what = `READ_NOTIFY (${c?.userId} read to seq ${c?.readSeq})`;
      } else continue;
      if (typeof convId !== 'string' || member(d.user, convId, at)) continue;
      const conv = convId;
      sink.report('foreign-conversation', { user: d.user, device: d.device, convId: conv }, () =>
        `${what} of ${conv} to ${d.name} at ${ms(at)} ms: ${d.user} is not a member (nor in the ${MEMBERSHIP_GRACE_MS / 1000} s before)`,
      );
    }
  }
}
