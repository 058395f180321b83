import { beforeAll, describe, expect, it } from 'vitest';
import type { ImClient } from '../../src/client/im-client.js';
import { match } from '../../src/client/match.js';
import { ConvType } from '../../src/protocol/codes.js';
import type { PushFrame, SendAckFrame } from '../../src/protocol/frames.js';
import { historyAll, range, sortedNumbers } from '../helpers/frames.js';
import { groupText } from '../helpers/messages.js';
import type { TestUser } from '../helpers/server.js';
import {
  connectAt,
  ensureBuilt,
  loginAt,
  registerUsersAt,
  useSpawnHarness,
  type SpawnedServer,
} from '../helpers/spawn-server.js';

/**
 * PROTOCOL.md §6.1: SEND_ACK is sent only after the message, its inbox rows and the counters are
 * committed; an acknowledged message survives `kill -9` of the server. These tests run the built
 * CLI as a child process on a database file, SIGKILL it, and start a new one on the same file.
 */

const procs = useSpawnHarness();

beforeAll(() => ensureBuilt(), 120_000);

const GROUP = 'durable';
const CONV = `group:${GROUP}`;
const PER_DEVICE = 50;

/** A group message; its text doubles as its clientMsgId, so a retry is the same SEND again. */
const post = (body: string) => groupText(GROUP, body, { clientMsgId: body });

interface Sender {
  user: TestUser;
  client: ImClient;
}

interface Acked {
  user: string;
  body: string;
  ack: SendAckFrame;
}

/** alice (two devices), carol and dave can post to a group that bob is also in. */
async function startWithGroup(db: string) {
  const server = await procs.spawn({ db });
  const [alice, bob, carol, dave] = (await registerUsersAt(server, ['alice', 'bob', 'carol', 'dave'])) as [TestUser, TestUser, TestUser, TestUser];
  await alice.http.groupCreate({ groupId: GROUP, type: ConvType.GROUP, name: 'durable', members: ['bob', 'carol', 'dave'] });
  const connect = async (user: TestUser, device: string): Promise<Sender> => ({
    user,
    client: procs.track(await connectAt(server, user, device)),
  });
  const senders = await Promise.all([connect(alice, 'phone'), connect(alice, 'laptop'), connect(carol, 'phone'), connect(dave, 'phone')]);
  return { server, users: { alice, bob, carol, dave }, senders };
}

/** Every sender sends PER_DEVICE messages at once; `onAck` sees each ack as it lands. */
function flood(senders: readonly Sender[], onAck: (acked: Acked) => void = () => {}) {
  return Promise.allSettled(
    senders.flatMap(({ user, client }) =>
      range(1, PER_DEVICE).map(async (i) => {
        const body = `${user.userId}/${client.deviceId}/${i}`;
        const ack = await client.send(post(body));
        const acked = { user: user.userId, body, ack };
        onAck(acked);
        return acked;
      }),
    ),
  );
}

const fulfilled = <T>(results: PromiseSettledResult<T>[]): T[] =>
  results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));

/** A fresh server on the same file, with the users logged in again. */
async function restart(db: string, users: Record<string, TestUser>) {
  const server = await procs.spawn({ db });
  const again: Record<string, TestUser> = {};
  for (const [id, user] of Object.entries(users)) again[id] = await loginAt(server, user);
  return { server, users: again };
}

async function syncAllOf(server: SpawnedServer, user: TestUser): Promise<{ messages: PushFrame[]; maxPts: number }> {
  const client = procs.track(await connectAt(server, user, 'auditor'));
  try {
    return await client.syncAll(0, 97);
  } finally {
    await client.close();
  }
}

describe('§6.1 an acknowledged message survives kill -9', () => {
  it('keeps every acked message with its msgId, seq and pts after SIGKILL right after the last ack, and numbering continues', async () => {
    // Given a server on a database file, and four devices posting to one group concurrently
    const db = await procs.tempDb();
    const { server, users, senders } = await startWithGroup(db);
    const results = await flood(senders);

    // When the server is killed with SIGKILL as soon as the last ack is in
    const exit = await server.kill('SIGKILL');
    const acked = fulfilled(results);
    expect(exit.signal).toBe('SIGKILL');
    expect(acked).toHaveLength(senders.length * PER_DEVICE);
    const total = acked.length;
    expect(sortedNumbers(acked.map((a) => a.ack.stamp.seq))).toEqual(range(1, total));

    // Then a new server on the same file has every one of them, as acknowledged
    const restarted = await restart(db, users);
    const seqOf = new Map(acked.map((a) => [a.ack.stamp.msgId, a.ack.stamp.seq]));

    const bobInbox = await syncAllOf(restarted.server, restarted.users.bob!);
    expect(bobInbox.messages.map((m) => m.stamp.pts)).toEqual(range(1, total));
    expect(bobInbox.maxPts).toBe(total);
    expect(new Set(bobInbox.messages.map((m) => m.stamp.msgId))).toEqual(new Set(seqOf.keys()));
    for (const m of bobInbox.messages) expect(m.stamp.seq).toBe(seqOf.get(m.stamp.msgId));

    const bob = procs.track(await connectAt(restarted.server, restarted.users.bob!, 'phone'));
    const history = await historyAll(bob, CONV, 64);
    expect(history.map((m) => m.stamp.seq)).toEqual(range(1, total));
    for (const m of history) expect(seqOf.get(m.stamp.msgId)).toBe(m.stamp.seq);

    // ... and each sender's inbox holds its own messages at the pts its acks announced
    for (const userId of ['alice', 'carol', 'dave']) {
      const inbox = await syncAllOf(restarted.server, restarted.users[userId]!);
      expect(inbox.messages.map((m) => m.stamp.pts)).toEqual(range(1, total));
      const atPts = new Map(inbox.messages.map((m) => [m.stamp.pts, m.stamp.msgId]));
      for (const { ack } of acked.filter((a) => a.user === userId)) expect(atPts.get(ack.stamp.pts)).toBe(ack.stamp.msgId);
    }

    // When alice sends again on the new server
    const alice = procs.track(await connectAt(restarted.server, restarted.users.alice!, 'phone'));
    const next = await alice.send(post('after the restart'));

    // Then seq and every member's pts continue from N+1: no gap, no repeat
    expect(next.stamp).toMatchObject({ seq: total + 1, pts: total + 1 });
    expect(seqOf.has(next.stamp.msgId)).toBe(false);
    const push = await bob.waitFor(match.push({ text: 'after the restart' }));
    expect(push.stamp).toMatchObject({ msgId: next.stamp.msgId, seq: total + 1, pts: total + 1 });
  });

  it('keeps every message acked before a SIGKILL mid-flood, and retries by clientMsgId then store each message exactly once', async () => {
    // Given four devices flooding one group on a server backed by a file
    const db = await procs.tempDb();
    const { server, users, senders } = await startWithGroup(db);
    const killAfter = (senders.length * PER_DEVICE) / 2;
    let seen = 0;

    // When the server is SIGKILLed the moment half of the acks are in, with more SENDs in flight
    const results = await flood(senders, () => {
      if (++seen === killAfter) void server.kill('SIGKILL');
    });
    await server.exited;
    const acked = fulfilled(results);
    expect(acked.length).toBeGreaterThanOrEqual(killAfter);

    // Then every acked message is on disk; whatever else was committed is numbered without gaps
    const restarted = await restart(db, users);
    const bobInbox = await syncAllOf(restarted.server, restarted.users.bob!);
    const stored = bobInbox.messages.length;
    expect(stored).toBeGreaterThanOrEqual(acked.length);
    expect(bobInbox.messages.map((m) => m.stamp.pts)).toEqual(range(1, stored));
    expect(sortedNumbers(bobInbox.messages.map((m) => m.stamp.seq))).toEqual(range(1, stored));
    const storedSeq = new Map(bobInbox.messages.map((m) => [m.stamp.msgId, m.stamp.seq]));
    for (const { ack } of acked) expect(storedSeq.get(ack.stamp.msgId)).toBe(ack.stamp.seq);

    // When every device reconnects and, not knowing what got in, sends its whole flood again (§6.2)
    const reconnected = await Promise.all(
      senders.map(async ({ user, client }) => ({ user, client: procs.track(await connectAt(restarted.server, restarted.users[user.userId]!, client.deviceId)) })),
    );
    const retried = fulfilled(await flood(reconnected));
    expect(retried).toHaveLength(senders.length * PER_DEVICE);

    // Then an acked message's retry gets its first stamp, a stored one its stored stamp, the rest new seqs
    const firstAck = new Map(acked.map((a) => [a.body, a.ack.stamp]));
    const storedByBody = new Map(bobInbox.messages.map((m) => [m.content.text, m.stamp]));
    for (const { body, ack } of retried) {
      const first = firstAck.get(body);
      if (first) expect({ msgId: ack.stamp.msgId, seq: ack.stamp.seq, pts: ack.stamp.pts }).toEqual({ msgId: first.msgId, seq: first.seq, pts: first.pts });
      const kept = storedByBody.get(body);
      if (kept) expect([ack.stamp.msgId, ack.stamp.seq]).toEqual([kept.msgId, kept.seq]);
      else expect(ack.stamp.seq).toBeGreaterThan(stored);
    }
    // ... and bob's inbox and the history hold each message exactly once, numbered 1..N
    const total = senders.length * PER_DEVICE;
    const finalInbox = await syncAllOf(restarted.server, restarted.users.bob!);
    expect(finalInbox.messages.map((m) => m.stamp.pts)).toEqual(range(1, total));
    expect(new Set(finalInbox.messages.map((m) => m.content.text)).size).toBe(total);
    const history = await historyAll(reconnected[0]!.client, CONV, 64);
    expect(history.map((m) => m.stamp.seq)).toEqual(range(1, total));
  });
});
