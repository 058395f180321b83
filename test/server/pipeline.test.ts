import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConvType, ErrorCode, MsgType } from '../../src/protocol/codes.js';
import type { Control } from '../../src/protocol/frames.js';
import { groupConvId, pairConvId } from '../../src/protocol/ids.js';
import { createConversationFilter } from '../../src/server/filter/conversation-rules.js';
import { silentLogger } from '../../src/server/logger.js';
import { Metrics } from '../../src/server/metrics.js';
import { runPipeline, type Outcome, type Pipeline, type RouteStage, type Submitted } from '../../src/server/pipeline.js';
import { Snowflake } from '../../src/server/snowflake.js';
import { BatchCommitter } from '../../src/server/store/batch-committer.js';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store.js';
import { createDedupeStage, createStoreStage } from '../../src/server/store/store-stages.js';
import type { MessageEvent } from '../../src/server/sync/bus.js';
import { MemoryBus } from '../../src/server/sync/memory-bus.js';
import { createSyncStage } from '../../src/server/sync/sync-stage.js';

/**
 * The SEND pipeline as typed steps, over the real stages, store and bus: Submitted → (Duplicate |
 * Submitted) → Routed → (Committed | Transient | Duplicate) → published. A Duplicate ends the
 * pipeline before any rule runs.
 */

const AB = pairConvId(ConvType.SINGLE, 'alice', 'bob');

let store: SqliteStore;
let bus: MemoryBus;
let events: MessageEvent[];
let routed: Submitted[];
let pipeline: Pipeline;

beforeEach(async () => {
  store = SqliteStore.open(':memory:');
  bus = new MemoryBus();
  events = [];
  await bus.subscribe((e) => {
    if (e.kind === 'message') events.push(e);
  });
  const metrics = new Metrics();
  const filter = createConversationFilter(store);
  routed = [];
  const spiedFilter: RouteStage = (msg) => {
    routed.push(msg);
    return filter(msg);
  };
  pipeline = {
    admit: [createDedupeStage(store)],
    route: spiedFilter,
    store: createStoreStage(new Snowflake(1), new BatchCommitter(store, 512, metrics, silentLogger), Date.now),
    publish: createSyncStage(bus, metrics),
  };
  for (const userId of ['alice', 'bob', 'carol']) await store.createUsers([{ userId, passwordHash: 'x', nickname: userId }]);
  await befriend('alice', 'bob');
  await befriend('carol', 'bob');
});

afterEach(async () => {
  await bus.close();
  await store.close();
});

async function befriend(a: string, b: string): Promise<void> {
  await store.addFriend(a, b);
  await store.addFriend(b, a);
}

function send(from: string, to: string, text: string, control: Control = {}): Submitted {
  return {
    kind: 'submitted',
    from,
    origin: { nodeId: 0, connId: `conn-${from}`, reqId: text },
    convType: ConvType.SINGLE,
    msgType: MsgType.TEXT,
    to,
    content: { text },
    control,
    options: {},
    persist: control.persist !== false,
  };
}

function groupSend(from: string, convType: ConvType, groupId: string, text: string, control: Control = {}): Submitted {
  return { ...send(from, groupId, text, control), convType };
}

/** Runs one SEND and counts how often it was queued for commit. */
async function run(msg: Submitted): Promise<{ outcome: Outcome; queued: number }> {
  let queued = 0;
  const outcome = await runPipeline(pipeline, msg, { onQueued: () => (queued += 1) });
  return { outcome, queued };
}

describe('the SEND pipeline', () => {
  it('ends a retry of a stored clientMsgId as a Duplicate: no rule runs, nothing is queued, the sender gets the first stamp', async () => {
    // Given alice sent c-1 to bob, and they are friends no more
    const first = await run(send('alice', 'bob', 'hello', { clientMsgId: 'c-1' }));
    expect(first).toMatchObject({ outcome: { kind: 'committed', convId: AB, seq: 1, pts: { alice: 1, bob: 1 } }, queued: 1 });
    if (first.outcome.kind !== 'committed') return;
    await store.removeFriend('alice', 'bob');
    routed.length = 0;

    // When she retries c-1
    const retry = await run(send('alice', 'bob', 'hello again', { clientMsgId: 'c-1' }));

    // Then the filter never saw it, nothing was queued, and the outcome is the first stamp
    expect(routed).toEqual([]);
    expect(retry.queued).toBe(0);
    expect(retry.outcome).toMatchObject({ kind: 'duplicate', first: { convId: AB, seq: 1, pts: { alice: 1 }, duplicate: true } });

    // ... published as an ack only: the first stamp to the sending connection, nobody pushed
    const ack = events.at(-1);
    expect(ack).toMatchObject({
      message: { msgId: first.outcome.msgId, seq: 1, content: { text: 'hello again' } },
      recipients: [],
      audience: [],
      origin: { connId: 'conn-alice', reqId: 'hello again', senderPts: 1 },
      transient: false,
    });
    const history = await store.readHistory(AB, { afterSeq: 0, limit: 10 });
    expect(history.messages.map((m) => m.content)).toEqual([{ text: 'hello' }]);
  });

  it('turns a retry that reaches the same commit as its first copy into a Duplicate, acked after the message', async () => {
    // When alice's two devices send c-2 at once (both pass dedupe before either is stored)
    const [a, b] = await Promise.all([
      run(send('alice', 'bob', 'once', { clientMsgId: 'c-2' })),
      run(send('alice', 'bob', 'once', { clientMsgId: 'c-2' })),
    ]);

    // Then both went through the filter and the commit queue; one was stored, the other got its stamp
    expect(routed).toHaveLength(2);
    expect([a.queued, b.queued]).toEqual([1, 1]);
    expect(a.outcome).toMatchObject({ kind: 'committed', seq: 1, pts: { alice: 1, bob: 1 } });
    expect(b.outcome).toMatchObject({ kind: 'duplicate', first: { seq: 1, pts: { alice: 1 } } });

    // ... and the bus carries the message (pushed to bob) before the duplicate's ack (pushed to nobody)
    expect(events.map((e) => [e.message.seq, e.recipients.map((r) => [r.userId, r.pts])])).toEqual([
      [1, [['bob', 1], ['alice', 1]]],
      [1, []],
    ]);
  });

  it('publishes the messages of one commit in seq order, each inbox user with their own pts', async () => {
    // When three SENDs from two senders share a commit
    const outcomes = await Promise.all([
      run(send('alice', 'bob', 'a1')),
      run(send('carol', 'bob', 'c1')),
      run(send('alice', 'bob', 'a2')),
    ]);

    // Then the events leave in commit order, with bob's pts gap-free
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['committed', 'committed', 'committed']);
    expect(events.map((e) => [e.message.content.text, e.recipients.find((r) => r.userId === 'bob')?.pts])).toEqual([
      ['a1', 1],
      ['c1', 2],
      ['a2', 3],
    ]);
  });

  it('gives a transient message an id but no seq or pts, never queues it and stores nothing', async () => {
    const { outcome, queued } = await run(send('alice', 'bob', 'typing', { persist: false }));

    expect(queued).toBe(0);
    expect(outcome).toMatchObject({ kind: 'transient', convId: AB, inboxUsers: [], audience: ['bob', 'alice'] });
    expect(outcome).not.toHaveProperty('seq');
    expect(events).toMatchObject([{ message: { msgId: outcome.kind === 'transient' ? outcome.msgId : '' }, recipients: [], audience: ['bob', 'alice'], transient: true }]);
    expect(events[0]?.message).not.toHaveProperty('seq');
    expect(events[0]?.origin).not.toHaveProperty('senderPts');
    expect(await store.getConversation(AB)).toBeUndefined();
  });

  it('routes read-diffusion and transient group messages as the group at its membership version, reading no member ids; write diffusion still names each member', async () => {
    // Given a MILLION_GROUP whose membership changed once since its creation, and a GROUP
    const group = (groupId: string, type: ConvType) => ({ groupId, convId: groupConvId(type, groupId), type, name: groupId, owner: 'alice', members: ['bob'] });
    await store.createGroup(group('crowd', ConvType.MILLION_GROUP));
    await store.createGroup(group('team', ConvType.GROUP));
    await store.addMembers('crowd', ['carol']);
    const memberIds = vi.spyOn(store, 'memberIds');
    const memberSnapshot = vi.spyOn(store, 'memberSnapshot');

    // When alice posts to the crowd without sync, and bob types in the team
    const crowd = await run(groupSend('alice', ConvType.MILLION_GROUP, 'crowd', 'hi crowd', { sync: false }));
    const typing = await run(groupSend('bob', ConvType.GROUP, 'team', 'typing', { persist: false }));

    // Then both name their group and its version, never its ids, and no member list was read
    const crowdAudience = { groupId: 'crowd', version: 2, exceptSender: true };
    const teamAudience = { groupId: 'team', version: 1, exceptSender: false };
    expect(crowd.outcome).toMatchObject({ kind: 'committed', inboxUsers: [], audience: crowdAudience, pts: {} });
    expect(typing.outcome).toMatchObject({ kind: 'transient', inboxUsers: [], audience: teamAudience });
    expect(events.map((e) => [e.recipients, e.audience])).toEqual([
      [[], crowdAudience],
      [[], teamAudience],
    ]);
    expect(memberIds).not.toHaveBeenCalled();
    expect(memberSnapshot).not.toHaveBeenCalled();

    // ... while a stored GROUP message reads the members: each gets a pts in the sender's commit
    const team = await run(groupSend('bob', ConvType.GROUP, 'team', 'hi team'));
    expect(team.outcome).toMatchObject({ kind: 'committed', audience: [], pts: { alice: 1, bob: 1 } });
    expect(memberIds).toHaveBeenCalledTimes(1);
  });

  it('publishes nothing for a SEND the filter refuses', async () => {
    await store.removeFriend('alice', 'bob');

    await expect(run(send('alice', 'bob', 'hi', { clientMsgId: 'c-3' }))).rejects.toMatchObject({ code: ErrorCode.NOT_FRIENDS });
    expect(events).toEqual([]);
  });
});
