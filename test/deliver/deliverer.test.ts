import { describe, expect, it } from 'vitest';
import { CmdType, ConvType, MsgType } from '../../src/protocol/codes.js';
import { Deliverer } from '../../src/server/deliver/deliverer.js';
import { SessionRegistry, type DeliveryTarget } from '../../src/server/deliver/session-registry.js';
import { silentLogger } from '../../src/server/logger.js';
import type { MessageEvent } from '../../src/server/sync/bus.js';

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
