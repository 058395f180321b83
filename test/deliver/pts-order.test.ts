import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CmdType, ConvType, MsgType } from '../../src/protocol/codes.js';
import type { PushFrame, StoredMessage } from '../../src/protocol/frames.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { pushFrame } from '../../src/protocol/messages.js';
import { Deliverer } from '../../src/server/deliver/deliverer.js';
import { SessionRegistry, type DeliveryTarget } from '../../src/server/deliver/session-registry.js';
import { silentLogger } from '../../src/server/logger.js';
import { Metrics } from '../../src/server/metrics.js';
import { Snowflake } from '../../src/server/snowflake.js';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store.js';
import type { MessageEvent } from '../../src/server/sync/bus.js';

/**
 * Per-device pts order whatever node committed the message (issue 10 §3): the Deliverer holds a
 * push that comes ahead of a gap, fills a gap still open after the bound from the store, and
 * pushes every pts above the user's watermark once. A real SQLite store, fake devices.
 */

const GAP_MS = 25;

class RecordingDevice implements DeliveryTarget {
  readonly texts: string[] = [];
  constructor(
    readonly userId: string,
    readonly deviceId: string,
    readonly connId: string,
    readonly tokenHash = 'token-hash',
  ) {}
  send(text: string, cmd: number): void {
    if (cmd === CmdType.PUSH) this.texts.push(text);
  }
  kick(): void {}
  revoke(): void {}
  get pushes(): PushFrame[] {
    return this.texts.map((t) => JSON.parse(t) as PushFrame);
  }
  get pts(): (number | undefined)[] {
    return this.pushes.map((p) => p.stamp.pts);
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Lets pending store reads (a user's watermark) resolve. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const ids = new Snowflake(3);
let store: SqliteStore;
let sessions: SessionRegistry;
let metrics: Metrics;
let deliverer: Deliverer;

beforeEach(() => {
  // The bound is measured on a fake clock: "nothing filled within the bound" and "filled after
  // it" then hold however slow the machine is.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  store = SqliteStore.open(':memory:');
  sessions = new SessionRegistry();
  metrics = new Metrics();
  deliverer = new Deliverer(0, sessions, silentLogger, { inbox: store, gapMs: GAP_MS, metrics });
});
afterEach(async () => {
  vi.useRealTimers();
  for (const d of [...sessions.all()]) sessions.remove(d);
  await store.close();
});

/** What a committed SEND of `from` to `to` publishes, as another node (9) would: stored first. */
async function commit(from: string, to: string, body: string, extra: { options?: Record<string, unknown> } = {}): Promise<{ event: MessageEvent; message: StoredMessage; pts: number }> {
  const convId = pairConvId(ConvType.SINGLE, from, to);
  const m = { msgId: ids.next(), convId, convType: ConvType.SINGLE, msgType: MsgType.TEXT, from, to, content: { text: body }, sendTime: Date.now() };
  const [r] = await store.appendMessages([{ ...m, inboxUsers: [to, from], participants: [from, to] }]);
  const message: StoredMessage = { ...m, seq: r!.seq };
  const event: MessageEvent = {
    kind: 'message',
    message,
    control: {},
    options: extra.options ?? {},
    recipients: [{ userId: to, pts: r!.pts[to]! }, { userId: from, pts: r!.pts[from]! }],
    audience: [],
    origin: { nodeId: 9, connId: '9.1' },
    transient: false,
  };
  return { event, message, pts: r!.pts[to]! };
}

/** `n` messages to bob, alternately from alice and carol, committed in order (bob's pts 1..n when he had none). */
async function commitMany(n: number): Promise<Awaited<ReturnType<typeof commit>>[]> {
  const out = [];
  for (let i = 1; i <= n; i++) out.push(await commit(i % 2 ? 'alice' : 'carol', 'bob', `m${i}`));
  return out;
}

/** bob's phone, connected here, once its watermark has been read from the store. */
async function bobOnline(device = 'phone', connId = '0.1'): Promise<RecordingDevice> {
  const d = new RecordingDevice('bob', device, connId);
  sessions.add(d);
  await settle();
  return d;
}

describe('PtsOrder: per-device pts order across nodes', () => {
  it('pushes an in-order burst at once, synchronously, with nothing held', async () => {
    const phone = await bobOnline();
    const sent = await commitMany(200);

    for (const s of sent) deliverer.handle(s.event);

    // No await between handing over and looking: nothing waited on a timer or the store.
    expect(phone.pts).toEqual(range(1, 200));
    expect(metrics.pushOrder.get({ outcome: 'held' })).toBe(0);
  });

  it('reorders pushes that arrive out of pts order, each pushed once as the live frame', async () => {
    const phone = await bobOnline();
    const sent = await commitMany(6);

    for (const i of [1, 0, 3, 4, 2, 5]) deliverer.handle(sent[i]!.event);

    expect(phone.pts).toEqual(range(1, 6));
    // Live frames, byte for byte: the order changed, not the frames.
    expect(phone.texts).toEqual(sent.map((s) => JSON.stringify(pushFrame(s.message, s.pts, { control: {}, options: {} }))));
    expect(metrics.pushOrder.get({ outcome: 'held' })).toBe(3);
    expect(metrics.pushOrder.get({ outcome: 'filled' })).toBe(0);
  });

  it('holds pushes behind a lost event, fills it from the store after the bound, and drops the late original', async () => {
    const phone = await bobOnline();
    const laptop = new RecordingDevice('bob', 'laptop', '0.2');
    sessions.add(laptop);
    const sent = await commitMany(5);

    deliverer.handle(sent[0]!.event);
    deliverer.handle(sent[3]!.event); // pts 2 and 3 lost on the bus
    deliverer.handle(sent[4]!.event);
    expect(phone.pts).toEqual([1]);

    await vi.waitFor(() => expect(phone.pts).toEqual(range(1, 5)), { timeout: 2000, interval: 5 });
    expect(laptop.pts).toEqual(range(1, 5));
    // The filled frames are what the live push would have been (the SEND carried no options)...
    expect(phone.texts[1]).toBe(JSON.stringify(pushFrame(sent[1]!.message, 2, { control: {}, options: {} })));
    expect(phone.pushes[2]).toEqual(pushFrame(sent[2]!.message, 3, { control: {}, options: {} }));
    // ... and those held kept their own.
    expect(phone.texts[3]).toBe(JSON.stringify(pushFrame(sent[3]!.message, 4, { control: {}, options: {} })));
    expect(metrics.pushOrder.get({ outcome: 'filled' })).toBe(2);

    // When the lost events turn up after all, nobody gets them twice.
    deliverer.handle(sent[1]!.event);
    deliverer.handle(sent[2]!.event);
    expect(phone.pts).toEqual(range(1, 5));
  });

  it('does not fill a gap that closes within the bound', async () => {
    const phone = await bobOnline();
    const sent = await commitMany(3);

    deliverer.handle(sent[0]!.event);
    deliverer.handle(sent[2]!.event);
    await vi.advanceTimersByTimeAsync(GAP_MS / 5);
    deliverer.handle(sent[1]!.event);
    await vi.advanceTimersByTimeAsync(GAP_MS * 3);

    expect(phone.pts).toEqual([1, 2, 3]);
    expect(metrics.pushOrder.get({ outcome: 'filled' })).toBe(0);
  });

  it('delivers every pts exactly once, in order, when 300 events arrive shuffled and 30 never arrive', async () => {
    const phone = await bobOnline();
    const sent = await commitMany(300);
    // A fixed shuffle (an LCG), so a failure can be replayed.
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const order = range(0, 299);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const lost = new Set(order.slice(0, 30));

    for (const i of order) if (!lost.has(i)) deliverer.handle(sent[i]!.event);
    await vi.waitFor(() => expect(phone.pts).toHaveLength(300), { timeout: 5000, interval: 10 });
    for (const i of lost) deliverer.handle(sent[i]!.event);
    await vi.advanceTimersByTimeAsync(GAP_MS * 3);

    expect(phone.pts).toEqual(range(1, 300));
    expect(phone.pushes.map((p) => p.stamp.msgId)).toEqual(sent.map((s) => s.message.msgId));
  });

  it('starts bob\'s line at his pts in the store when he connects; an older event published late still goes out', async () => {
    // bob has pts 1..3 in the store, then connects: his watermark is 3
    const before = await commitMany(3);
    const phone = await bobOnline();
    const after = await commit('alice', 'bob', 'new');

    // pts 4 goes out at once; an old event (published late) still goes out, as before this change
    deliverer.handle(after.event);
    deliverer.handle(before[2]!.event);

    expect(phone.pts).toEqual([4, 3]);
    expect(metrics.pushOrder.get({ outcome: 'held' })).toBe(0);
  });

  it('holds pushes that arrive while bob\'s watermark is being read, then sends them in pts order', async () => {
    // A store read that answers (with bob's pts at the time of the call: 2) only when let go
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    const slow = { readInbox: (userId: string, sincePts: number, limit: number) => { const page = store.readInbox(userId, sincePts, limit); return gate.then(() => page); } };
    const here = new SessionRegistry();
    const slowDeliverer = new Deliverer(0, here, silentLogger, { inbox: slow, gapMs: GAP_MS });
    const sent = await commitMany(2);
    const phone = new RecordingDevice('bob', 'phone', '0.1');
    here.add(phone);
    const more = [await commit('alice', 'bob', 'm3'), await commit('carol', 'bob', 'm4')];

    slowDeliverer.handle(more[1]!.event);
    slowDeliverer.handle(more[0]!.event);
    slowDeliverer.handle(sent[1]!.event);
    expect(phone.pts).toEqual([]);
    letGo();
    await settle();

    // pts 2, committed before he connected, goes out too (the client drops what SYNC gave it)
    expect(phone.pts).toEqual([2, 3, 4]);
    here.remove(phone);
  });

  it('skips a gap the store cannot give (it is down) after the bound, so held pushes never wait for ever', async () => {
    let down = false;
    const flaky = { readInbox: (userId: string, sincePts: number, limit: number) => (down ? Promise.reject(new Error('store down')) : store.readInbox(userId, sincePts, limit)) };
    const here = new SessionRegistry();
    const flakyDeliverer = new Deliverer(0, here, silentLogger, { inbox: flaky, gapMs: GAP_MS, metrics });
    const phone = new RecordingDevice('bob', 'phone', '0.1');
    here.add(phone);
    await settle();
    const sent = await commitMany(4);
    down = true;

    flakyDeliverer.handle(sent[0]!.event);
    flakyDeliverer.handle(sent[2]!.event);
    flakyDeliverer.handle(sent[3]!.event);

    await vi.waitFor(() => expect(phone.pts).toEqual([1, 3, 4]), { timeout: 2000, interval: 5 });
    expect(metrics.pushOrder.get({ outcome: 'skipped' })).toBe(1);
    // The line goes on from there: the next pts goes out at once.
    down = false;
    const next = await commit('alice', 'bob', 'next');
    flakyDeliverer.handle(next.event);
    expect(phone.pts).toEqual([1, 3, 4, 5]);
    here.remove(phone);
  });

  it('never pushes a held message to the device that sent it, and pushes without pts go at once', async () => {
    const phone = await bobOnline('phone', '0.1');
    const laptop = new RecordingDevice('bob', 'laptop', '0.2');
    sessions.add(laptop);
    const first = await commit('alice', 'bob', 'one');
    // bob's laptop sends to alice: bob's pts 2, pushed to his phone only
    const own = await commit('bob', 'alice', 'mine');
    own.event.origin = { nodeId: 0, connId: '0.2' };
    const third = await commit('alice', 'bob', 'three');
    const typing: MessageEvent = { ...third.event, message: { ...third.message, seq: undefined }, recipients: [], audience: ['bob'], transient: true };

    deliverer.handle(third.event);
    deliverer.handle(own.event);
    deliverer.handle(typing);
    expect(phone.pts).toEqual([undefined]);
    deliverer.handle(first.event);

    expect(phone.pts).toEqual([undefined, 1, 2, 3]);
    expect(laptop.pts).toEqual([undefined, 1, 3]);
  });

  it('forgets a user whose last device left: no fill for him, and a fresh watermark when he is back', async () => {
    const phone = await bobOnline();
    const sent = await commitMany(3);
    deliverer.handle(sent[0]!.event);
    deliverer.handle(sent[2]!.event); // held behind pts 2

    sessions.remove(phone);
    await vi.advanceTimersByTimeAsync(GAP_MS * 3);
    expect(phone.pts).toEqual([1]);

    const again = await bobOnline('phone', '0.3');
    const next = await commit('carol', 'bob', 'back');
    deliverer.handle(next.event);
    expect(again.pts).toEqual([4]);
    expect(metrics.pushOrder.get({ outcome: 'filled' })).toBe(0);
  });

  it('sends a SEND_ACK in its pts\'s place: bob\'s ack for pts 2 (his SEND, here) waits for the push of pts 1 (alice\'s, from another node)', async () => {
    class FrameDevice extends RecordingDevice {
      readonly frames: { cmd: number; pts: number | undefined }[] = [];
      override send(text: string, cmd: number): void {
        super.send(text, cmd);
        this.frames.push({ cmd, pts: (JSON.parse(text) as { stamp: { pts?: number } }).stamp.pts });
      }
    }
    const phone = new FrameDevice('bob', 'phone', '0.1');
    sessions.add(phone);
    await settle();
    const fromAlice = await commit('alice', 'bob', 'first'); // bob's pts 1, committed on node 9
    const ownSend = await commit('bob', 'alice', 'second'); // bob's pts 2, sent from his phone here
    const own: MessageEvent = { ...ownSend.event, origin: { nodeId: 0, connId: '0.1', reqId: 'r1', senderPts: 2 } };

    deliverer.handle(own); // this node's own event comes first: it never went through Redis
    expect(phone.frames).toEqual([]);
    deliverer.handle(fromAlice.event);

    expect(phone.frames).toEqual([
      { cmd: CmdType.PUSH, pts: 1 },
      { cmd: CmdType.SEND_ACK, pts: 2 },
    ]);
  });

  it('sends a SEND_ACK whose pts was already filled from the store, and an ack without pts at once', async () => {
    class AckDevice extends RecordingDevice {
      readonly acks: (number | undefined)[] = [];
      override send(text: string, cmd: number): void {
        super.send(text, cmd);
        if (cmd === CmdType.SEND_ACK) this.acks.push((JSON.parse(text) as { stamp: { pts?: number } }).stamp.pts);
      }
    }
    const phone = new AckDevice('bob', 'phone', '0.1');
    sessions.add(phone);
    await settle();
    const [a, b, c] = [await commit('alice', 'bob', '1'), await commit('bob', 'alice', '2'), await commit('alice', 'bob', '3')];
    deliverer.handle(a.event);
    deliverer.handle(c.event); // pts 2 (bob's own) is late: filled from the store after the bound
    await vi.waitFor(() => expect(phone.pts).toEqual([1, 2, 3]), { timeout: 2000, interval: 5 });

    deliverer.handle({ ...b.event, origin: { nodeId: 0, connId: '0.1', reqId: 'r2', senderPts: 2 } });
    // A retry's ack (no recipients) and a transient one (no pts) do not wait for anything.
    deliverer.handle({ ...b.event, recipients: [], origin: { nodeId: 0, connId: '0.1', reqId: 'r3', senderPts: 2 } });
    deliverer.handle({ ...b.event, recipients: [], transient: true, origin: { nodeId: 0, connId: '0.1', reqId: 'r4' } });

    expect(phone.acks).toEqual([2, 2, undefined]);
    expect(phone.pts).toEqual([1, 2, 3]);
  });
});
