import type { DeviceView, Index, Sink } from './context.js';
import { ms } from './format.js';

/**
 * **pts-gap** — what a device knows of its user's inbox has no holes and no contradictions.
 *
 * The pts a device has seen are those of PUSH, SEND_ACK and SYNC_RESP stamps (HISTORY_RESP is
 * ignored; `sync=false` acks, transient and read-diffusion messages carry no pts and are ignored).
 * For every device:
 * - **one pts, one msgId**: a pts seen with two msgIds, or a msgId seen with two pts, is a
 *   violation (reported once per pair);
 * - **order within a session**: the PUSH and SEND_ACK frames of one session carry increasing pts
 *   (PROTOCOL.md §3, "SEND_ACK and PUSH frames to a device leave in pts order"). Duplicate pushes
 *   (reported by duplicate-delivery) and re-sent acks of a retried SEND are skipped; SYNC_RESP
 *   may overlap pushes and is not part of this order;
 * - **gap-free after SYNC** (only for a device that got at least one SYNC_RESP): let `covered` be
 *   the highest pts any of its SYNC_RESPs vouched for — `maxPts` for a final page (hasMore false),
 *   the page's last pts when hasMore is true (the scenario may have stopped paging). Every pts
 *   from `floor` to `covered` must have been seen by the device in some frame, at any time. `floor`
 *   is 1 for a device whose first session opened no later than the first pts any device of its user
 *   saw (it was there from the start of the user's inbox); a device that joined later is only held
 *   to the pts from the lowest one it saw (what came before it is not its business, and a SYNC
 *   "from the last pts" never returns it). One violation per device lists the missing ranges.
 *
 * A device that never got a SYNC_RESP is checked only for the first two points.
 *
 * Example: `bob@phone never saw pts 4, 7–9 (4 of 1..12, SYNC_RESP maxPts 12 at 900 ms); pts 4 is 7266… of group:team`.
 */
export function checkPtsGap(index: Index, sink: Sink): void {
  for (const [user, devices] of index.byUser) {
    let userFirstPtsAt = Infinity;
    for (const d of devices) for (const m of d.seen) if (m.pts !== undefined && m.at < userFirstPtsAt) userFirstPtsAt = m.at;
    let userPts: Map<number, { msgId: string; convId: string }> | undefined;
    const whatIs = (pts: number): { msgId: string; convId: string } | undefined => {
      if (!userPts) {
        userPts = new Map();
        for (const d of devices) for (const m of d.seen) if (m.pts !== undefined && !userPts.has(m.pts)) userPts.set(m.pts, m);
        for (const s of index.record.sends) if (s.user === user && s.ack?.pts !== undefined && !userPts.has(s.ack.pts)) userPts.set(s.ack.pts, s.ack);
      }
      return userPts.get(pts);
    };
    for (const d of devices) checkDevice(d, userFirstPtsAt, whatIs, sink);
  }
}

function checkDevice(
  d: DeviceView,
  userFirstPtsAt: number,
  whatIs: (pts: number) => { msgId: string; convId: string } | undefined,
  sink: Sink,
): void {
  const where = { user: d.user, device: d.device };
  const byPts = new Map<number, { msgId: string; via: string }>();
  const byMsg = new Map<string, { pts: number; via: string }>();
  const reported = new Set<string>();
  const delivered = new Set<string>();
  let session = Number.NaN;
  let last: { pts: number; msgId: string } | undefined;
  for (const m of d.seen) {
    const pts = m.pts;
    if (pts === undefined) continue;
    const p = byPts.get(pts);
    if (!p) byPts.set(pts, { msgId: m.msgId, via: m.via });
    else if (p.msgId !== m.msgId && !reported.has(`p${pts}\n${m.msgId}`)) {
      reported.add(`p${pts}\n${m.msgId}`);
      sink.report('pts-gap', { ...where, convId: m.convId }, () => `pts ${pts} names ${p.msgId} (${p.via}) and ${m.msgId} (${m.via} at ${ms(m.at)} ms) on ${d.name}`);
    }
    const q = byMsg.get(m.msgId);
    if (!q) byMsg.set(m.msgId, { pts, via: m.via });
    else if (q.pts !== pts && !reported.has(`m${m.msgId}\n${pts}`)) {
      reported.add(`m${m.msgId}\n${pts}`);
      sink.report('pts-gap', { ...where, convId: m.convId }, () => `${m.msgId} of ${m.convId} has pts ${q.pts} (${q.via}) and pts ${pts} (${m.via} at ${ms(m.at)} ms) on ${d.name}`);
    }
    if (m.via === 'SYNC_RESP' || m.via === 'HISTORY_RESP') continue;
    if (m.duplicate !== undefined || delivered.has(m.msgId)) continue;
    delivered.add(m.msgId);
    if (m.session !== session) {
      session = m.session;
      last = undefined;
    }
    const prev = last;
    last = { pts, msgId: m.msgId };
    if (prev && pts < prev.pts) {
      sink.report('pts-gap', { ...where, convId: m.convId }, () =>
        `${m.via} pts ${pts} (${m.msgId}) after pts ${prev.pts} (${prev.msgId}) in one session of ${d.name} at ${ms(m.at)} ms`,
      );
    }
  }

  if (d.syncs.length === 0) return;
  let covered = 0;
  let coveredBy = d.syncs[0]!;
  for (const s of d.syncs) {
    const c = s.hasMore ? s.pagePts : s.maxPts;
    if (c > covered) {
      covered = c;
      coveredBy = s;
    }
  }
  const seen = [...byPts.keys()].sort((a, b) => a - b);
  const early = d.sessions.length === 0 || d.sessions[0]!.openedAt <= userFirstPtsAt;
  const floor = early ? 1 : (seen[0] ?? covered + 1);
  const gaps: [number, number][] = [];
  let missing = 0;
  let next = floor;
  for (const p of [...seen.filter((x) => x >= floor && x <= covered), covered + 1]) {
    if (p > next) {
      gaps.push([next, p - 1]);
      missing += p - next;
    }
    next = Math.max(next, p + 1);
  }
  if (missing === 0) return;
  const first = gaps[0]![0];
  const known = whatIs(first);
  sink.report('pts-gap', known ? { ...where, convId: known.convId } : where, () => {
    const list = gaps.slice(0, 8).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`));
    const more = gaps.length > 8 ? ', …' : '';
    const what = known ? `; pts ${first} is ${known.msgId} of ${known.convId}` : '';
    return `${d.name} never saw pts ${list.join(', ')}${more} (${missing} of ${floor}..${covered}, SYNC_RESP maxPts ${coveredBy.maxPts}${coveredBy.hasMore ? ' hasMore' : ''} at ${ms(coveredBy.at)} ms)${what}`;
  });
}
