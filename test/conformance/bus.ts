import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusEvent } from '../../src/server/sync/bus.js';

/** Makes one bus, or several that share one channel (nodes of a cluster), for each test. */
export type BusFactory = () => Promise<Bus> | Bus;

function readEvent(userId: string, readSeq: number): BusEvent {
  return { kind: 'read', convId: 'single:a:b', userId, readSeq, notify: ['a', 'b'], except: { nodeId: 0, connId: '0.1' } };
}

/** A live subscription (`subscribe` has resolved) that collects what it gets; `done` resolves at `n` events. */
async function collect(
  bus: Bus,
  n: number,
  timeoutMs = 5000,
): Promise<{ events: BusEvent[]; done: Promise<BusEvent[]>; off: () => Promise<void> }> {
  const events: BusEvent[] = [];
  let settle: { resolve: (e: BusEvent[]) => void; reject: (e: Error) => void } | undefined;
  const done = new Promise<BusEvent[]>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {});
  const off = await bus.subscribe((e) => {
    events.push(e);
    if (events.length === n) settle?.resolve(events);
  });
  const timer = setTimeout(() => settle?.reject(new Error(`got ${events.length} of ${n} events in ${timeoutMs} ms`)), timeoutMs);
  void done.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
  return { events, done, off };
}

/** Resolves once `events` holds `n` events, rejects after `timeoutMs`. */
async function until(events: readonly BusEvent[], n: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (events.length < n) {
    if (Date.now() > deadline) throw new Error(`got ${events.length} of ${n} events in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
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

    it('hands every subscriber every event, whole and in publish order, from the moment subscribe resolves', async () => {
      const first = await collect(bus, 100);
      const second = await collect(bus, 100);
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
      const got = await collect(bus, sent.length);
      for (const e of sent) bus.publish(e);
      expect(await got.done).toEqual(sent);
    });

    it('stops handing events to a subscriber that unsubscribed', async () => {
      const stays = await collect(bus, 2);
      const leaves = await collect(bus, 2);
      bus.publish(readEvent('a', 1));
      await until(leaves.events, 1);
      await leaves.off();
      bus.publish(readEvent('a', 2));
      await stays.done;
      expect(leaves.events.map((e) => (e.kind === 'read' ? e.readSeq : -1))).toEqual([1]);
    });

    it('keeps delivering to the others when one of several subscribers leaves, and unsubscribing twice is harmless', async () => {
      const stays = await collect(bus, 3);
      const leaves = await collect(bus, 1);
      bus.publish(readEvent('a', 1));
      await leaves.done;
      await leaves.off();
      await leaves.off();
      bus.publish(readEvent('a', 2));
      // Event 2 has reached the subscribers before `again` subscribes: it sees 3 only.
      await until(stays.events, 2);
      const again = await collect(bus, 1);
      bus.publish(readEvent('a', 3));
      expect((await stays.done).map((e) => (e.kind === 'read' ? e.readSeq : -1))).toEqual([1, 2, 3]);
      expect((await again.done).map((e) => (e.kind === 'read' ? e.readSeq : -1))).toEqual([3]);
      expect(leaves.events).toHaveLength(1);
    });

    it('accepts publish after close without throwing, delivers nothing, and closes twice', async () => {
      const got = await collect(bus, 1);
      await bus.close();
      expect(() => bus.publish(readEvent('a', 1))).not.toThrow();
      await bus.close();
      expect(got.events).toEqual([]);
    });
  });
}
