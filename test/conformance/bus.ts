import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusEvent } from '../../src/server/sync/bus.js';

/** Makes one bus, or several that share one channel (nodes of a cluster), for each test. */
export type BusFactory = () => Promise<Bus> | Bus;

function readEvent(userId: string, readSeq: number): BusEvent {
  return { kind: 'read', convId: 'single:a:b', userId, readSeq, notify: ['a', 'b'], except: { nodeId: 0, connId: '0.1' } };
}

/** Resolves with the first `n` events the bus hands to a new subscriber. */
function collect(bus: Bus, n: number, timeoutMs = 5000): { events: BusEvent[]; done: Promise<BusEvent[]>; off: () => void } {
  const events: BusEvent[] = [];
  let off: () => void = () => {};
  const done = new Promise<BusEvent[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${events.length} of ${n} events in ${timeoutMs} ms`)), timeoutMs);
    off = bus.subscribe((e) => {
      events.push(e);
      if (events.length === n) {
        clearTimeout(timer);
        resolve(events);
      }
    });
  });
  return { events, done, off };
}

/**
 * The Bus port's contract (src/server/sync/bus.ts), for every adapter: events arrive whole, at
 * every subscriber, in publish order per publisher; unsubscribe and close stop delivery.
 */
export function describeBus(name: string, factory: BusFactory): void {
  describe(`Bus conformance: ${name}`, () => {
    let bus: Bus;
    beforeEach(async () => {
      bus = await factory();
    });
    afterEach(async () => {
      await bus.close();
    });

    it('hands every subscriber every event, whole and in publish order', async () => {
      const first = collect(bus, 100);
      const second = collect(bus, 100);
      const sent = Array.from({ length: 100 }, (_, i) => readEvent(`u${i}`, i));
      for (const e of sent) bus.publish(e);
      expect(await first.done).toEqual(sent);
      expect(await second.done).toEqual(sent);
    });

    it('carries every kind of event', async () => {
      const sent: BusEvent[] = [
        readEvent('a', 1),
        { kind: 'session-opened', userId: 'a', deviceId: 'phone', conn: { nodeId: 3, connId: '3.9' } },
        { kind: 'tokens-revoked', userId: 'a', tokenHash: 'h' },
        { kind: 'group-changed', groupId: 'g1', convId: 'group:g1', change: 'members-removed', userIds: ['a', 'b'] },
        { kind: 'social-changed', change: 'friend', userIds: ['a', 'b'] },
        {
          kind: 'message',
          message: { msgId: '385234190796324864', convId: 'single:a:b', convType: 1, msgType: 1, from: 'a', to: 'b', seq: 1, sendTime: 1, content: { text: 'hi', __proto__x: 1 } },
          control: { clientMsgId: 'c1' },
          options: {},
          recipients: [{ userId: 'b', pts: 1 }, { userId: 'a', pts: 1 }],
          audience: [],
          origin: { nodeId: 3, connId: '3.9', reqId: 'r1', senderPts: 1 },
          transient: false,
        },
      ];
      const got = collect(bus, sent.length);
      for (const e of sent) bus.publish(e);
      expect(await got.done).toEqual(sent);
    });

    it('stops handing events to a subscriber that unsubscribed', async () => {
      const stays = collect(bus, 2);
      const leaves = collect(bus, 2);
      bus.publish(readEvent('a', 1));
      leaves.off();
      bus.publish(readEvent('a', 2));
      await stays.done;
      expect(leaves.events.map((e) => (e.kind === 'read' ? e.readSeq : -1))).toEqual([1]);
    });
  });
}
