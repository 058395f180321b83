import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isImClientError, isImRequestError } from '../../src/client/errors.js';
import { ImHttp } from '../../src/client/http-client.js';
import { ImClient } from '../../src/client/im-client.js';
import { isFrame, match } from '../../src/client/match.js';
import { CmdType, ConvType, ErrorCode } from '../../src/protocol/codes.js';
import type { PushFrame, ServerFrame } from '../../src/protocol/frames.js';
import { groupConvId } from '../../src/protocol/ids.js';
import { LocalCluster } from '../../src/runner/cluster/local-cluster.js';
import { PG_URL, REDIS_URL, createTestDatabase } from '../helpers/cluster-services.js';
import { FailoverDevice, type AckRecord } from '../helpers/failover-device.js';
import { range } from '../helpers/frames.js';
import { groupText, text } from '../helpers/messages.js';
import { RedisProcess, freePort } from '../helpers/redis-server.js';
import { passwordOf } from '../helpers/server.js';

/**
 * Issue 10 §5: faults of a cluster made of REAL `im serve` processes (bin/im.js, built by the
 * global setup) on one PostgreSQL database and one Redis:
 *
 *  a. one node is killed with SIGKILL while clients on all three nodes send; its clients fail
 *     over and SYNC, the other nodes keep acking, nothing acked is lost or doubled, and the node
 *     restarted on its port serves again;
 *  b. Redis is SIGKILLed and restarted: nodes keep storing and acking, /healthz says 503, a
 *     receiver on the other node catches up by SYNC, and delivery across nodes and /healthz 200
 *     come back by themselves;
 *  c. PostgreSQL's connections to the database are terminated while SENDs are in flight: each
 *     gets a SEND_ACK or an ERROR (never silence), the node recovers by itself, and nothing is
 *     half-written.
 *
 * Nothing here sleeps to synchronise: it waits for acks, pushes, closes and (bounded polling)
 * /healthz. Skipped without IM_TEST_PG_URL and IM_TEST_REDIS_URL.
 */

const GROUP = 'load';
const CONV = groupConvId(ConvType.GROUP, GROUP);

interface User {
  userId: string;
  token: string;
}

/** Registers and logs in each user on `url` (they are valid on every node of the cluster). */
async function register(url: string, userIds: readonly string[]): Promise<User[]> {
  const http = new ImHttp(url);
  return Promise.all(
    userIds.map(async (userId) => {
      await http.register(userId, passwordOf(userId));
      const { token } = await http.login(userId, passwordOf(userId));
      return { userId, token };
    }),
  );
}

/** Polls `probe` until `ok` (bounded); for conditions no frame announces, like /healthz. */
async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe().catch((e: unknown) => e as T);
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still not so after ${deadlineMs} ms (last: ${v instanceof Error ? v.message : JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every message of the conversation, by HISTORY pages of 500 (seq order). */
async function historyOf(client: ImClient, convId: string): Promise<PushFrame[]> {
  const out: PushFrame[] = [];
  for (let after = 0; ; ) {
    const { content } = await client.history({ convId, afterSeq: after, limit: 500 });
    out.push(...content.messages);
    if (!content.hasMore) return out;
    after = content.messages.at(-1)!.stamp.seq!;
  }
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe.skipIf(!PG_URL || !REDIS_URL)('cluster faults with real im serve processes', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  /** `nodes` processes on a fresh database (a fresh cluster) and `bus`; resolves with the cluster and the database's name. */
  async function startCluster(nodes: number, bus: string): Promise<{ cluster: LocalCluster; dbName: string }> {
    const db = await createTestDatabase(PG_URL!);
    cleanups.push(() => db.drop());
    const cluster = await LocalCluster.start({ nodes, db: db.url, bus });
    cleanups.push(() => cluster.close());
    return { cluster, dbName: new URL(db.url).pathname.slice(1) };
  }

  async function device(options: Parameters<typeof FailoverDevice.connect>[0]): Promise<FailoverDevice> {
    const d = await FailoverDevice.connect(options);
    cleanups.push(() => d.close());
    return d;
  }

  it('a. survives kill -9 of one node mid-load: the others keep acking, its clients fail over and SYNC, nothing acked is lost or doubled, and the restarted node serves again', async () => {
    const { cluster } = await startCluster(3, REDIS_URL!);
    const urls = cluster.urls;
    const senderIds = [1, 2, 3].flatMap((n) => [`s${n}a`, `s${n}b`]);
    const receiverIds = ['r1', 'r2', 'r3'];
    const users = await register(urls[0]!, [...senderIds, ...receiverIds, 'owner', 'probe']);
    const byId = new Map(users.map((u) => [u.userId, u]));
    await new ImHttp(urls[0]!).withToken(byId.get('owner')!.token).groupCreate({
      groupId: GROUP,
      type: ConvType.GROUP,
      name: 'Load',
      members: users.filter((u) => u.userId !== 'owner').map((u) => u.userId),
    });

    let phase = 'before-kill';
    const home = (userId: string): number => Number(userId[1]) - 1;
    const connect = (userId: string) => device({ urls, home: home(userId), userId, token: byId.get(userId)!.token, phase: () => phase });
    const senders = await Promise.all(senderIds.map(connect));
    const receivers = await Promise.all(receiverIds.map(connect));

    // every sender sends one message after the other, retrying each (same clientMsgId) until acked
    let stop = false;
    const loops = senders.map(async (s) => {
      for (let i = 1; !stop; i++) await s.sendReliably(groupText(GROUP, `${s.label}#${i}`), `${s.label}#${i}`);
    });
    const acksIn = (s: FailoverDevice, p: string, node?: number): number => s.acks.filter((a) => a.phase === p && (node === undefined || a.node === node)).length;

    await Promise.all(senders.map((s) => s.until('10 acks before the kill', () => acksIn(s, 'before-kill') >= 10, 60_000)));
    await cluster.kill(1);
    phase = 'killed';

    // node 2's clients lose their connection: the receiver fails over and SYNCs, the senders do so on their next SEND
    const r2 = receivers[1]!;
    await r2.client.waitForClose();
    await r2.failover();
    expect(r2.node).not.toBe(1);
    // the senders of nodes 1 and 3 keep being acked by their own node, node 2's by another one
    await Promise.all(
      senders.map((s) =>
        s.until('10 acks after the kill', () => acksIn(s, 'killed') >= 10 && s.node !== 1, 60_000),
      ),
    );
    for (const s of senders) {
      if (home(s.label) === 1) {
        expect(s.connections[0], s.label).toBe(1);
        expect(s.connections.length, `${s.label} failed over`).toBeGreaterThanOrEqual(2);
        expect(s.failures.size, `${s.label}: the SEND in flight at the kill failed and was retried`).toBeGreaterThanOrEqual(1);
      } else {
        expect(acksIn(s, 'killed', home(s.label)), `${s.label}: acks from its own node after the kill`).toBeGreaterThanOrEqual(10);
        expect(s.connections, `${s.label} never moved`).toEqual([home(s.label)]);
      }
    }

    // node 2 again, on its port: a message sent through it reaches node 1, and one sent on node 1 reaches it
    await cluster.restart(1);
    phase = 'restarted';
    expect(cluster.urls[1]).toBe(urls[1]);
    const probe = await device({ urls, home: 1, userId: 'probe', token: byId.get('probe')!.token });
    expect(probe.node).toBe(1);
    const viaNode2 = await probe.sendReliably(groupText(GROUP, 'through the restarted node'), 'probe#1', 1);
    expect(viaNode2.node).toBe(1);
    await receivers[0]!.until('the message sent through the restarted node', (d) => d.pushes.some((p) => p.msgId === viaNode2.msgId), 10_000);
    const toNode2 = await receivers[0]!.sendReliably(groupText(GROUP, 'to the restarted node'), 'r1#1', 1);
    await probe.until('a message from node 1 on the restarted node', (d) => d.pushes.some((p) => p.msgId === toNode2.msgId), 10_000);

    stop = true;
    await Promise.all(loops);
    // one last message through node 1 after everything: every receiver's pushes are complete once it arrives
    const last = await receivers[0]!.sendReliably(groupText(GROUP, 'last'), 'r1#last', 1);
    await Promise.all(receivers.slice(1).map((r) => r.until('the last message', (d) => d.pushes.some((p) => p.msgId === last.msgId), 10_000)));

    // THE STORE: seq 1..M with no gap or duplicate, one message per clientMsgId, every ack in it as acked
    const acks: AckRecord[] = [...senders, ...receivers, probe].flatMap((d) => d.acks);
    const reader = receivers[2]!.client;
    const history = await historyOf(reader, CONV);
    expect(history.map((m) => m.stamp.seq)).toEqual(range(1, history.length));
    expect(new Set(history.map((m) => m.stamp.msgId)).size).toBe(history.length);
    const byClientMsgId = new Map<string, PushFrame[]>();
    for (const m of history) {
      const id = m.control?.clientMsgId;
      expect(id, `stored message ${m.stamp.msgId} has its clientMsgId`).toEqual(expect.any(String));
      byClientMsgId.set(id!, [...(byClientMsgId.get(id!) ?? []), m]);
    }
    for (const [id, stored] of byClientMsgId) expect(stored.map((m) => m.stamp.msgId), `clientMsgId ${id} stored once`).toHaveLength(1);
    // every SEND was retried until acked, so what is stored is exactly what was acked
    expect(acks).toHaveLength(history.length);
    for (const a of acks) {
      const stored = byClientMsgId.get(a.clientMsgId)?.[0];
      expect(stored?.stamp, `acked ${a.clientMsgId}`).toMatchObject({ msgId: a.msgId, seq: a.seq });
    }
    const retried = acks.filter((a) => a.attempts > 1);
    expect(retried.length).toBeGreaterThanOrEqual(2);

    // THE INBOXES: SYNC from 0 for every member (each on the node it is on now) is pts 1..M, each stored message once
    const storedIds = new Set(history.map((m) => m.stamp.msgId));
    for (const d of [...senders, ...receivers]) {
      const { messages } = await d.client.syncAll(0, 500);
      expect(messages.map((m) => m.stamp.pts), `${d.label}: SYNC pts`).toEqual(range(1, history.length));
      expect(new Set(messages.map((m) => m.stamp.msgId)), `${d.label}: SYNC messages`).toEqual(storedIds);
      // what the device was told (PUSH, SEND_ACK, SYNC after failover) agrees with the inbox, and covers it
      const ptsOf = new Map(messages.map((m) => [m.stamp.msgId, m.stamp.pts]));
      const seen = [...d.pushes, ...d.synced, ...d.acks];
      for (const s of seen) expect(s.pts, `${d.label}: pts of ${s.msgId}`).toBe(ptsOf.get(s.msgId));
      expect(sorted([...new Set(seen.map((s) => s.pts!))]), `${d.label}: every pts reached the device`).toEqual(range(1, history.length));
    }
    // receivers that never moved got every message by PUSH, once each, in pts order (gaps left by the dead node filled from the store)
    for (const r of [receivers[0]!, receivers[2]!]) {
      expect(r.connections).toHaveLength(1);
      const own = new Set(r.acks.map((a) => a.pts));
      expect(r.pushes.map((p) => p.pts), `${r.label}: PUSH pts`).toEqual(range(1, history.length).filter((p) => !own.has(p)));
    }
    // node 2's receiver moved to node 3; what it missed meanwhile came by its SYNC there (covered above)
    expect(r2.connections).toEqual([1, 2]);
  }, 180_000);

  it('b. keeps storing and acking while Redis is down (/healthz 503), catches up by SYNC, and resumes cross-node delivery and /healthz 200 by itself once Redis is back', async () => {
    const redis = new RedisProcess(await freePort());
    await redis.start();
    cleanups.push(() => redis.kill());
    const { cluster } = await startCluster(2, redis.url);
    const [url1, url2] = cluster.urls as [string, string];
    const [alice, bob] = await register(url1, ['alice', 'bob']);
    const aliceHttp = new ImHttp(url1).withToken(alice!.token);
    const bobHttp = new ImHttp(url2).withToken(bob!.token);
    await aliceHttp.friendAdd('bob');
    await bobHttp.friendAdd('alice');
    const open = async (url: string, user: User) => {
      const client = await ImClient.connect({ url, token: user.token, userId: user.userId, requestTimeoutMs: 5_000 });
      cleanups.push(() => client.close());
      return client;
    };
    const aliceWs = await open(url1, alice!);
    const bobWs = await open(url2, bob!);
    const nodes = [new ImHttp(url1), new ImHttp(url2)];

    const before = await aliceWs.send(text('bob', 'before'));
    expect((await bobWs.waitFor(match.push({ text: 'before' }))).stamp).toMatchObject({ msgId: before.stamp.msgId, pts: 1 });
    for (const n of nodes) expect(await n.healthz()).toMatchObject({ status: 200 });

    await redis.kill('SIGKILL');
    for (const n of nodes) {
      const down = await until('/healthz 503 after Redis died', () => n.healthz(), (h) => h.status === 503);
      expect(down.body).toMatchObject({ code: ErrorCode.UNAVAILABLE, msg: 'the bus does not answer' });
    }

    // both nodes store and ack (each SEND gets its SEND_ACK within the request timeout)
    const during = [];
    for (let i = 1; i <= 5; i++) during.push(await aliceWs.send(text('bob', `during ${i}`, { clientMsgId: `during-${i}` })));
    const reply = await bobWs.send(text('alice', 'reply during', { clientMsgId: 'reply-during' }));
    expect(during.map((a) => a.stamp.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(reply.stamp).toMatchObject({ seq: 7, pts: 7 });
    // bob, on the other node, catches up with SYNC from his last pts
    const caughtUp = await bobWs.syncAll(1);
    expect(caughtUp.messages.map((m) => [m.stamp.pts, m.stamp.msgId])).toEqual([...during.map((a) => [a.stamp.pts, a.stamp.msgId]), [7, reply.stamp.msgId]]);

    await redis.start();
    for (const n of nodes) await until('/healthz 200 after Redis came back', () => n.healthz(), (h) => h.status === 200);
    // Both nodes' connections come back (and resubscribe) by themselves: the first cross-node push after that proves it.
    let probes = 0;
    await until(
      'a message from node 1 pushed to node 2',
      async () => {
        const ack = await aliceWs.send(text('bob', `probe ${++probes}`));
        const pushed = (f: ServerFrame): boolean => isFrame(f, CmdType.PUSH) && f.stamp.msgId === ack.stamp.msgId;
        return bobWs.waitFor(pushed, { timeoutMs: 1_000 }).then(
          () => true,
          () => false,
        );
      },
      (ok) => ok === true,
    );
    // from then on every message crosses, both ways, in pts order
    const after = await aliceWs.send(text('bob', 'after'));
    expect((await bobWs.waitFor(match.push({ text: 'after' }))).stamp).toMatchObject({ msgId: after.stamp.msgId, pts: after.stamp.pts });
    const back = await bobWs.send(text('alice', 'back'));
    expect((await aliceWs.waitFor(match.push({ text: 'back' }))).stamp).toMatchObject({ msgId: back.stamp.msgId, pts: back.stamp.pts });
    const all = (await bobWs.syncAll(0)).messages;
    expect(all.map((m) => m.stamp.pts)).toEqual(range(1, all.length));
    expect(all.map((m) => m.stamp.seq)).toEqual(range(1, all.length));
  }, 120_000);

  it('c. answers every in-flight SEND with a SEND_ACK or an ERROR when PostgreSQL terminates the node\'s connections, recovers by itself, and half-writes nothing', async () => {
    const { cluster, dbName } = await startCluster(1, REDIS_URL!);
    const [url] = cluster.urls as [string];
    const senderIds = ['p1', 'p2', 'p3', 'p4'];
    const users = await register(url, [...senderIds, 'owner']);
    await new ImHttp(url).withToken(users.at(-1)!.token).groupCreate({ groupId: GROUP, type: ConvType.GROUP, name: 'Load', members: senderIds });
    const clients = await Promise.all(
      users.slice(0, senderIds.length).map(async (u) => {
        // A long request timeout: only silence, not a slow answer, may trip it.
        const client = await ImClient.connect({ url, token: u.token, userId: u.userId, requestTimeoutMs: 20_000 });
        cleanups.push(() => client.close());
        return client;
      }),
    );

    type Outcome = { clientMsgId: string; round: number; ack?: { msgId: string; seq: number | undefined }; error?: number; silent?: string };
    const outcomes: Outcome[] = [];
    let round = 0;
    let stop = false;
    const WINDOW = 8;
    // every client keeps WINDOW SENDs in flight; each ends as an ack, an ERROR frame, or (a failure) silence/close
    const loops = clients.flatMap((client) =>
      range(1, WINDOW).map(async (lane) => {
        for (let i = 1; !stop; i++) {
          const clientMsgId = `${client.userId}#${lane}.${i}`;
          const o: Outcome = { clientMsgId, round };
          try {
            const ack = await client.send(groupText(GROUP, clientMsgId, { clientMsgId }));
            o.ack = { msgId: ack.stamp.msgId, seq: ack.stamp.seq };
          } catch (e) {
            if (isImRequestError(e)) o.error = e.code;
            else o.silent = isImClientError(e) ? `${e.reason}: ${e.message}` : String(e);
          }
          outcomes.push(o);
          if (o.silent) return;
        }
      }),
    );
    const acked = (r: number) => outcomes.filter((o) => o.round === r && o.ack).length;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    cleanups.push(() => admin.end());

    // three rounds: wait for acks, then terminate every connection of the node while SENDs are in flight
    const terminated: number[] = [];
    for (let r = 0; r < 3; r++) {
      await until(`round ${r}: 50 acks`, async () => acked(r), (n) => n >= 50 || outcomes.some((o) => o.silent !== undefined), 60_000);
      expect(outcomes.filter((o) => o.silent)).toEqual([]);
      const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
      terminated.push(rowCount ?? 0);
      round = r + 1;
    }
    // the node recovers by itself: SENDs made after the last termination are acked
    await until('50 acks after the last termination', async () => acked(3), (n) => n >= 50 || outcomes.some((o) => o.silent !== undefined), 60_000);
    stop = true;
    await Promise.all(loops);

    // never silence: each SEND got a SEND_ACK or an ERROR frame
    expect(outcomes.filter((o) => o.silent), 'SENDs without an answer').toEqual([]);
    expect(terminated.every((n) => n > 0), `connections terminated per round: ${terminated.join(', ')}`).toBe(true);
    const errors = outcomes.filter((o) => o.error !== undefined);
    // A lost connection is 5001 (retry), on the read path (the filter's lookups) as on the commit.
    for (const o of errors) expect(o.error, `${o.clientMsgId}: ERROR ${o.error}`).toBe(ErrorCode.UNAVAILABLE);

    // nothing half-written: every acked message is stored with its seq; seq is gap-free; every member's inbox has every stored message once
    const history = await historyOf(clients[0]!, CONV);
    expect(history.map((m) => m.stamp.seq)).toEqual(range(1, history.length));
    const storedById = new Map(history.map((m) => [m.control?.clientMsgId, m]));
    expect(storedById.size).toBe(history.length);
    for (const o of outcomes.filter((x) => x.ack)) expect(storedById.get(o.clientMsgId)?.stamp, o.clientMsgId).toMatchObject({ msgId: o.ack!.msgId, seq: o.ack!.seq });
    // what is stored was sent: acked, or answered with an ERROR after the commit went through
    const sent = new Set(outcomes.map((o) => o.clientMsgId));
    for (const id of storedById.keys()) expect(sent.has(id!), `stored ${id} was sent`).toBe(true);
    const storedIds = new Set(history.map((m) => m.stamp.msgId));
    for (const client of clients) {
      const { messages } = await client.syncAll(0, 500);
      expect(messages.map((m) => m.stamp.pts), `${client.userId}: SYNC pts`).toEqual(range(1, history.length));
      expect(new Set(messages.map((m) => m.stamp.msgId))).toEqual(storedIds);
    }
    console.log(`pg faults: ${outcomes.length} SENDs, ${outcomes.filter((o) => o.ack).length} acked, errors ${JSON.stringify(countBy(errors.map((o) => o.error!)))}, stored ${history.length}, terminated ${terminated.join('/')}`);
  }, 180_000);
});

function countBy(xs: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
