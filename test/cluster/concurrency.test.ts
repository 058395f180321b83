import { describe, expect, it } from 'vitest';
import type { ImClient } from '../../src/client/im-client.js';
import { isFrame } from '../../src/client/match.js';
import { CmdType, ConvType } from '../../src/protocol/codes.js';
import type { SendAckFrame } from '../../src/protocol/frames.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { PG_URL, REDIS_URL } from '../helpers/cluster-services.js';
import { useInProcessCluster } from '../helpers/cluster-nodes.js';
import { historyAll, range } from '../helpers/frames.js';
import { groupText } from '../helpers/messages.js';
import { connectUser, registerUsers, type TestServer, type TestUser } from '../helpers/server.js';

/**
 * Issue 10 §4: 3 nodes × 20 senders, each connected to its own node, write 2,000 messages into
 * one GROUP at once (each sender keeps a window of SENDs in flight), while members listen on
 * every node (one of them with a device on each node). Afterwards seq is 1..2000 exactly once
 * (by the acks and by HISTORY), every member's inbox is pts 1..2000 with no gap (SYNC from 0),
 * and every device got every message exactly once, its PUSHes in strictly increasing pts (+1 at
 * a time, but for the pts of its own messages, which come as SEND_ACKs).
 * Real PostgreSQL and Redis (IM_TEST_PG_URL, IM_TEST_REDIS_URL); skipped without them.
 */

const NODES = 3;
const SENDERS_PER_NODE = 20;
const TOTAL = 2000;
const WINDOW = 4;
const GROUP = 'crowd';
const CONV = groupConvId(ConvType.GROUP, GROUP);

/** What one device received, kept small: [pts, msgId] of each PUSH and SEND_ACK, in arrival order. */
interface DeviceLog {
  client: ImClient;
  label: string;
  pushes: [pts: number | undefined, msgId: string][];
  acks: [pts: number | undefined, msgId: string][];
  /** PUSH and SEND_ACK pts together, in arrival order. */
  arrival: (number | undefined)[];
  /** Resolves once `pushes.length >= n`; rejects after `timeoutMs`, saying how far it got. */
  untilPushes(n: number, timeoutMs: number): Promise<void>;
}

/**
 * A device that records only what the assertions need (the frame log and the inbox would hold
 * some 130,000 parsed frames over all devices otherwise): PUSHes are taken out of the inbox as
 * they arrive.
 */
async function device(node: TestServer, user: TestUser, deviceId: string): Promise<DeviceLog> {
  const client = await connectUser(node, user, { deviceId, recordFrames: false });
  const log: DeviceLog = {
    client,
    label: `${user.userId}/${deviceId}`,
    pushes: [],
    acks: [],
    arrival: [],
    untilPushes(n, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (log.pushes.length < n) return;
          stop();
          resolve();
        };
        const timer = setTimeout(() => {
          stop();
          reject(new Error(`${log.label}: ${log.pushes.length} of ${n} PUSHes after ${timeoutMs} ms`));
        }, timeoutMs);
        const off = client.on('frame', check);
        const stop = (): void => {
          clearTimeout(timer);
          off();
        };
        check();
      });
    },
  };
  client.on('received', (frame) => {
    if (isFrame(frame, CmdType.PUSH)) {
      log.pushes.push([frame.stamp.pts, frame.stamp.msgId]);
      log.arrival.push(frame.stamp.pts);
    } else if (isFrame(frame, CmdType.SEND_ACK)) {
      log.acks.push([frame.stamp.pts, frame.stamp.msgId]);
      log.arrival.push(frame.stamp.pts);
    }
  });
  // 'frame' follows 'received' for frames that answer no request: drop the PUSH from the inbox.
  client.on('frame', (frame) => {
    if (isFrame(frame, CmdType.PUSH)) client.take((f) => f === frame);
  });
  return log;
}

/** Sends `n` messages with `window` unacknowledged at a time; resolves with every ack. */
async function sendWindowed(log: DeviceLog, n: number, window: number): Promise<SendAckFrame[]> {
  const acks: SendAckFrame[] = [];
  let next = 1;
  const lane = async (): Promise<void> => {
    while (next <= n) {
      const i = next++;
      acks.push(await log.client.send(groupText(GROUP, `${log.label}#${i}`, { clientMsgId: `${log.label}#${i}` })));
    }
  };
  await Promise.all(range(1, window).map(lane));
  return acks;
}

describe.skipIf(!PG_URL || !REDIS_URL)('three nodes × 20 senders into one GROUP', () => {
  const c = useInProcessCluster();

  it('gives seq 1..2000 exactly once, every member a gap-free inbox, and every device every message once in pts order', async () => {
    const nodes = await c.start(NODES);
    const senderIds = nodes.flatMap((_, n) => range(1, SENDERS_PER_NODE).map((i) => `s${n + 1}-${String(i).padStart(2, '0')}`));
    const listenerIds = nodes.map((_, n) => `listener${n + 1}`);
    const users = await registerUsers(nodes[0]!, [...senderIds, ...listenerIds, 'watcher']);
    const byId = new Map(users.map((u) => [u.userId, u]));
    const [owner, ...others] = users;
    await owner!.http.groupCreate({ groupId: GROUP, type: ConvType.GROUP, name: 'Crowd', members: others.map((u) => u.userId) });

    const senders = await Promise.all(senderIds.map((id, i) => device(nodes[Math.floor(i / SENDERS_PER_NODE)]!, byId.get(id)!, 'default')));
    const listeners = await Promise.all(listenerIds.map((id, n) => device(nodes[n]!, byId.get(id)!, 'default')));
    // one user with a device on every node: they share one pts line
    const watcher = await Promise.all(nodes.map((node, n) => device(node, byId.get('watcher')!, `dev${n + 1}`)));
    const devices = [...senders, ...listeners, ...watcher];
    c.defer(() => Promise.all(devices.map((d) => d.client.close())));

    // 2,000 messages over 60 senders: the first TOTAL % 60 send one more
    const share = (i: number): number => Math.floor(TOTAL / senders.length) + (i < TOTAL % senders.length ? 1 : 0);
    const sent = await Promise.all(senders.map((s, i) => sendWindowed(s, share(i), WINDOW)));
    const acks = sent.flat();

    // seq: 1..2000, each once, one msgId each
    expect(acks).toHaveLength(TOTAL);
    expect(acks.map((a) => a.stamp.seq!).sort((x, y) => x - y)).toEqual(range(1, TOTAL));
    const msgIds = new Set(acks.map((a) => a.stamp.msgId));
    expect(msgIds.size).toBe(TOTAL);
    const seqOf = new Map(acks.map((a) => [a.stamp.msgId, a.stamp.seq]));

    // every device gets every message it did not send itself
    await Promise.all(devices.map((d, i) => d.untilPushes(i < senders.length ? TOTAL - share(i) : TOTAL, 120_000)));
    // One more message after everything, through every node's bus: any extra or late PUSH would have come before it.
    const lastAck = await senders[0]!.client.send(groupText(GROUP, 'last'));
    await Promise.all(devices.map((d, i) => d.untilPushes((i < senders.length ? TOTAL - share(i) : TOTAL) + (i === 0 ? 0 : 1), 30_000)));
    const all = new Set([...msgIds, lastAck.stamp.msgId]);

    for (const [i, d] of devices.entries()) {
      const pushPts = d.pushes.map(([pts]) => pts);
      const pushIds = d.pushes.map(([, id]) => id);
      const ackIds = d.acks.map(([, id]) => id);
      // each message once, by PUSH or (own message) by SEND_ACK, and nothing else
      expect(new Set(pushIds).size, `${d.label}: a PUSH came twice`).toBe(pushIds.length);
      expect([...pushIds, ...ackIds].sort(), `${d.label}: not every message exactly once`).toEqual([...all].sort());
      // its user's pts: 1..2001 between PUSHes and SEND_ACKs; PUSHes strictly increasing and +1 over the pts of its own acks
      const ptsSeen = [...d.pushes, ...d.acks].map(([pts]) => pts!).sort((x, y) => x - y);
      expect(ptsSeen, `${d.label}: pts`).toEqual(range(1, TOTAL + 1));
      const own = new Set(d.acks.map(([pts]) => pts));
      const expected = range(1, TOTAL + 1).filter((pts) => !own.has(pts));
      expect(pushPts, `${d.label}: PUSH pts not in order`).toEqual(expected);
      if (i >= senders.length) expect(d.acks).toEqual([]);
    }
    // a device's PUSH of pts p carries the same message as every other device's of that user's pts p
    const watcherLines = watcher.map((d) => d.pushes);
    expect(watcherLines[1]).toEqual(watcherLines[0]);
    expect(watcherLines[2]).toEqual(watcherLines[0]);

    // HISTORY (on node 3): seq 1..2001, each message once, as acked
    const history = await historyAll(listeners[2]!.client, CONV, 500);
    expect(history.map((m) => m.stamp.seq)).toEqual(range(1, TOTAL + 1));
    expect(history.slice(0, TOTAL).map((m) => [m.stamp.msgId, m.stamp.seq]).sort()).toEqual([...seqOf.entries()].sort());

    // SYNC from 0 for every member, each on its own node: pts 1..2001 with no gap, every message once
    for (const d of [...senders, ...listeners, watcher[1]!]) {
      const inbox = await d.client.syncAll(0, 500);
      expect(inbox.messages.map((m) => m.stamp.pts), `${d.label}: SYNC pts`).toEqual(range(1, TOTAL + 1));
      expect(new Set(inbox.messages.map((m) => m.stamp.msgId))).toEqual(all);
      expect(inbox.maxPts).toBe(TOTAL + 1);
      // the pushes carried the pts the inbox has
      const ptsOf = new Map(inbox.messages.map((m) => [m.stamp.msgId, m.stamp.pts]));
      for (const [pts, id] of [...d.pushes, ...d.acks]) expect(pts).toBe(ptsOf.get(id));
    }
  }, 240_000);
});
