import { describe, expect, it } from 'vitest';
import { CmdType, ConvType, MsgType } from '../../src/protocol/codes.js';
import { Deliverer } from '../../src/server/deliver/deliverer.js';
import type { MemberReader } from '../../src/server/deliver/member-cache.js';
import { SessionRegistry, type DeliveryTarget } from '../../src/server/deliver/session-registry.js';
import { silentLogger } from '../../src/server/logger.js';
import type { GroupAudience, MessageEvent } from '../../src/server/sync/bus.js';

/** A device that records what it is sent (the socket side is covered by the WebSocket tests). */
class RecordingDevice implements DeliveryTarget {
  readonly frames: { cmd: number; body: { stamp?: { seq?: number; pts?: number }; content?: { text?: string } } }[] = [];
  kicked: string | undefined;
  revoked: string | undefined;
  constructor(
    readonly userId: string,
    readonly deviceId: string,
    readonly connId: string,
    readonly tokenHash = 'token-hash',
  ) {}
  send(text: string, cmd: number): void {
    this.frames.push({ cmd, body: JSON.parse(text) as RecordingDevice['frames'][number]['body'] });
  }
  kick(reason: string): void {
    this.kicked = reason;
  }
  revoke(reason: string): void {
    this.revoked = reason;
  }
}

function mgroupMessage(seq: number, audience: readonly string[]): MessageEvent {
  return {
    kind: 'message',
    message: { msgId: String(1000 + seq), convId: 'mgroup:big', convType: ConvType.MILLION_GROUP, msgType: MsgType.TEXT, from: 'owner', to: 'big', seq, sendTime: seq, content: { text: `m${seq}` } },
    control: {},
    options: {},
    recipients: [],
    audience,
    origin: { nodeId: 0, connId: '0.0' },
    transient: false,
  };
}

/** A MILLION_GROUP message from `from` on connection 0.1 of this node, to the group by reference. */
function groupMessage(seq: number, audience: GroupAudience, from = 'alice'): MessageEvent {
  return {
    ...mgroupMessage(seq, []),
    message: { msgId: String(2000 + seq), convId: `mgroup:${audience.groupId}`, convType: ConvType.MILLION_GROUP, msgType: MsgType.TEXT, from, to: audience.groupId, seq, sendTime: seq, content: { text: `m${seq}` } },
    audience,
    origin: { nodeId: 0, connId: '0.1', reqId: `r${seq}` },
  };
}

/**
 * The store's memberSnapshot over groups the test sets; counts its reads, and while `paused` holds
 * each read until `resume()` (a slow database).
 */
class FakeMembers implements MemberReader {
  readonly groups = new Map<string, { version: number; ids: string[] }>();
  reads = 0;
  fail = false;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  set(groupId: string, version: number, ids: string[]): void {
    this.groups.set(groupId, { version, ids });
  }
  pause(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  resume(): void {
    this.open?.();
    this.gate = undefined;
  }
  async memberSnapshot(groupId: string): Promise<{ version: number; ids: readonly string[] }> {
    this.reads++;
    const snapshot = { ...(this.groups.get(groupId) ?? { version: 0, ids: [] }) };
    await this.gate;
    if (this.fail) throw new Error('database away');
    return snapshot;
  }
}

/** Lets pending reads and the fan-outs behind them finish. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const texts = (d: RecordingDevice) => d.frames.map((f) => (f.cmd === CmdType.SEND_ACK ? 'ack' : f.body.content?.text));

describe('Deliverer: group audiences', () => {
  /** alice (sender, two devices), bob and carol (members), dave (online, not a member). */
  function node(members: FakeMembers) {
    const sessions = new SessionRegistry();
    const devices = {
      alice: new RecordingDevice('alice', 'laptop', '0.1'),
      alicePhone: new RecordingDevice('alice', 'phone', '0.2'),
      bob: new RecordingDevice('bob', 'd', '0.3'),
      carol: new RecordingDevice('carol', 'd', '0.4'),
      dave: new RecordingDevice('dave', 'd', '0.5'),
    };
    for (const d of Object.values(devices)) sessions.add(d);
    return { devices, deliverer: new Deliverer(0, sessions, silentLogger, { members }) };
  }

  it('pushes to the members online here (the sender\'s other devices too), not to others, and reads the group once', async () => {
    const members = new FakeMembers();
    // More members than users online here, and a group smaller than them: both walks.
    members.set('big', 1, ['alice', 'bob', 'carol', ...Array.from({ length: 50 }, (_, i) => `away${i}`)]);
    members.set('small', 1, ['alice', 'bob']);
    const { devices, deliverer } = node(members);

    deliverer.handle(groupMessage(1, { groupId: 'big', version: 1, exceptSender: false }));
    deliverer.handle(groupMessage(2, { groupId: 'big', version: 1, exceptSender: false }));
    deliverer.handle(groupMessage(3, { groupId: 'small', version: 1, exceptSender: false }));
    await settle();

    expect(texts(devices.alice)).toEqual(['ack', 'ack', 'ack']);
    expect(texts(devices.alicePhone)).toEqual(['m1', 'm2', 'm3']);
    expect(texts(devices.bob)).toEqual(['m1', 'm2', 'm3']);
    expect(texts(devices.carol)).toEqual(['m1', 'm2']);
    expect(texts(devices.dave)).toEqual([]);
    expect(members.reads).toBe(2);
  });

  it('leaves the sender\'s other devices out when the message says so (control.sync=false), whichever set it walks', async () => {
    const members = new FakeMembers();
    members.set('small', 1, ['alice', 'bob']);
    members.set('big', 1, ['alice', 'bob', ...Array.from({ length: 50 }, (_, i) => `away${i}`)]);
    const { devices, deliverer } = node(members);

    deliverer.handle(groupMessage(1, { groupId: 'small', version: 1, exceptSender: true }));
    deliverer.handle(groupMessage(2, { groupId: 'big', version: 1, exceptSender: true }));
    await settle();

    expect(texts(devices.alice)).toEqual(['ack', 'ack']);
    expect(texts(devices.alicePhone)).toEqual([]);
    expect(texts(devices.bob)).toEqual(['m1', 'm2']);
  });

  it('reads the group again for a message naming a newer version: a member removed meanwhile gets nothing, one added gets it', async () => {
    const members = new FakeMembers();
    members.set('big', 1, ['alice', 'bob']);
    const { devices, deliverer } = node(members);
    deliverer.handle(groupMessage(1, { groupId: 'big', version: 1, exceptSender: false }));
    await settle();

    // bob removed and carol added on another node; this node never heard of it (a lost group-changed)
    members.set('big', 2, ['alice', 'carol']);
    deliverer.handle(groupMessage(2, { groupId: 'big', version: 2, exceptSender: false }));
    await settle();

    expect(texts(devices.bob)).toEqual(['m1']);
    expect(texts(devices.carol)).toEqual(['m2']);
    expect(members.reads).toBe(2);
  });

  it('drops the group on group-changed: the next message reads it again, even at the version it held', async () => {
    const members = new FakeMembers();
    members.set('big', 1, ['alice', 'bob']);
    const { devices, deliverer } = node(members);
    deliverer.handle(groupMessage(1, { groupId: 'big', version: 1, exceptSender: false }));
    await settle();

    members.set('big', 2, ['alice', 'bob', 'carol']);
    deliverer.handle({ kind: 'group-changed', groupId: 'big', convId: 'mgroup:big', change: 'members-added', userIds: ['carol'] });
    deliverer.handle({ kind: 'group-changed', groupId: 'other', convId: 'mgroup:other', change: 'role', userIds: ['bob'] });
    // routed before the change reached the sender's node: it names version 1
    deliverer.handle(groupMessage(2, { groupId: 'big', version: 1, exceptSender: false }));
    await settle();

    expect(members.reads).toBe(2);
    expect(texts(devices.carol)).toEqual(['m2']);
  });

  it('acks at once but holds every later event while it reads a group, so each device keeps its order', async () => {
    const members = new FakeMembers();
    members.set('big', 1, ['alice', 'bob']);
    const { devices, deliverer } = node(members);
    members.pause();

    deliverer.handle(groupMessage(1, { groupId: 'big', version: 1, exceptSender: false }));
    // a one-to-one message to bob, and a second group message, arrive while the read is pending
    deliverer.handle({ ...mgroupMessage(7, ['bob']), message: { ...mgroupMessage(7, []).message, convId: 'single:alice:bob', convType: ConvType.SINGLE, content: { text: 'dm' } } });
    deliverer.handle(groupMessage(2, { groupId: 'big', version: 1, exceptSender: false }));
    await settle();
    expect(texts(devices.alice)).toEqual(['ack']);
    expect(texts(devices.bob)).toEqual([]);

    members.resume();
    await settle();
    expect(texts(devices.bob)).toEqual(['m1', 'dm', 'm2']);
    expect(texts(devices.alice)).toEqual(['ack', 'ack']);
    expect(members.reads).toBe(1);
  });

  it('goes on with later events when a group read takes longer than the bound; the late answer serves the next message', async () => {
    const members = new FakeMembers();
    members.set('big', 1, ['alice', 'bob']);
    const sessions = new SessionRegistry();
    const bob = new RecordingDevice('bob', 'd', '0.3');
    sessions.add(bob);
    const deliverer = new Deliverer(0, sessions, silentLogger, { members, memberReadMs: 20 });
    members.pause();

    deliverer.handle(groupMessage(1, { groupId: 'big', version: 1, exceptSender: false }));
    deliverer.handle({ ...mgroupMessage(7, ['bob']), message: { ...mgroupMessage(7, []).message, content: { text: 'dm' } } });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(texts(bob)).toEqual(['dm']);

    members.resume();
    await settle();
    deliverer.handle(groupMessage(2, { groupId: 'big', version: 1, exceptSender: false }));
    await settle();
    expect(texts(bob)).toEqual(['dm', 'm2']);
    expect(members.reads).toBe(1);
  });

  it('goes on with later events when a group cannot be read (its message is left to HISTORY)', async () => {
    const members = new FakeMembers();
    members.set('big', 1, ['alice', 'bob']);
    members.fail = true;
    const { devices, deliverer } = node(members);

    deliverer.handle(groupMessage(1, { groupId: 'big', version: 1, exceptSender: false }));
    await settle();
    members.fail = false;
    deliverer.handle(groupMessage(2, { groupId: 'big', version: 1, exceptSender: false }));
    await settle();

    expect(texts(devices.alice)).toEqual(['ack', 'ack']);
    expect(texts(devices.bob)).toEqual(['m2']);
  });
});

describe('Deliverer', () => {
  it('yields the event loop during a fan-out over 2,000 recipients and still delivers later events after it, in order', async () => {
    // Given 6,000 members, of whom the first, a middle one and the last are online
    const sessions = new SessionRegistry();
    const audience = Array.from({ length: 6000 }, (_, i) => `u${i}`);
    const online = ['u0', 'u3000', 'u5999'].map((u, i) => new RecordingDevice(u, 'd', `0.${i + 1}`));
    for (const d of online) sessions.add(d);
    const deliverer = new Deliverer(0, sessions, silentLogger);
    const lastSaw = online[2]!;
    // Queued before the fan-out starts: it can only run before the fan-out ends if the fan-out yields.
    const midway = new Promise<number>((resolve) => setImmediate(() => resolve(lastSaw.frames.length)));

    // When two messages are handed over back to back
    deliverer.handle(mgroupMessage(1, audience));
    deliverer.handle(mgroupMessage(2, audience));
    expect(online[0]!.frames).toHaveLength(1); // the first chunk went out at once
    expect(await midway).toBe(0); // other work ran before the last chunk of message 1

    // Then, once both are through, every online device got seq 1 then seq 2
    await new Promise<void>((resolve) => {
      const settle = (): void => void (lastSaw.frames.length === 2 ? resolve() : setImmediate(settle));
      settle();
    });
    for (const d of online) expect(d.frames.map((f) => f.body.stamp?.seq)).toEqual([1, 2]);
  });

  it('acks the sending device and pushes to its other devices and the peer, each with its own pts', () => {
    const sessions = new SessionRegistry();
    const sender = new RecordingDevice('alice', 'laptop', '0.1');
    const senderPhone = new RecordingDevice('alice', 'phone', '0.2');
    const peer = new RecordingDevice('bob', 'phone', '0.3');
    for (const d of [sender, senderPhone, peer]) sessions.add(d);
    new Deliverer(0, sessions, silentLogger).handle({
      kind: 'message',
      message: { msgId: '77', convId: 'single:alice:bob', convType: ConvType.SINGLE, msgType: MsgType.TEXT, from: 'alice', to: 'bob', seq: 4, sendTime: 1, content: { text: 'hi' } },
      control: {},
      options: {},
      recipients: [{ userId: 'bob', pts: 9 }, { userId: 'alice', pts: 5 }],
      audience: [],
      origin: { nodeId: 0, connId: '0.1', reqId: 'r1', senderPts: 5 },
      transient: false,
    });
    expect(sender.frames.map((f) => [f.cmd, f.body.stamp?.pts])).toEqual([[CmdType.SEND_ACK, 5]]);
    expect(senderPhone.frames.map((f) => [f.cmd, f.body.stamp?.pts])).toEqual([[CmdType.PUSH, 5]]);
    expect(peer.frames.map((f) => [f.cmd, f.body.stamp?.pts])).toEqual([[CmdType.PUSH, 9]]);
  });

  it('kicks an older connection of the same user and device, wherever the new one opened', () => {
    const sessions = new SessionRegistry();
    const old = new RecordingDevice('alice', 'phone', '0.1');
    const other = new RecordingDevice('alice', 'laptop', '0.2');
    sessions.add(old);
    sessions.add(other);
    new Deliverer(0, sessions, silentLogger).handle({ kind: 'session-opened', userId: 'alice', deviceId: 'phone', conn: { nodeId: 4, connId: '4.1' } });
    expect(old.kicked).toBeDefined();
    expect(other.kicked).toBeUndefined();
  });

  it('ignores the events meant for caches (group-changed, social-changed): nothing is written, nothing kicked', () => {
    const sessions = new SessionRegistry();
    const device = new RecordingDevice('bob', 'd', '0.1');
    sessions.add(device);
    const deliverer = new Deliverer(0, sessions, silentLogger);
    deliverer.handle({ kind: 'group-changed', groupId: 'g1', convId: 'group:g1', change: 'members-added', userIds: ['bob'] });
    deliverer.handle({ kind: 'social-changed', change: 'block', userIds: ['alice', 'bob'] });
    deliverer.handle(mgroupMessage(1, ['bob']));
    expect(device.frames.map((f) => f.cmd)).toEqual([CmdType.PUSH]);
    expect(device.kicked).toBeUndefined();
    expect(device.revoked).toBeUndefined();
  });
});
