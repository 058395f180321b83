import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import { connectRedisBus } from '../../src/server/create-server.js';
import { createLogger } from '../../src/server/logger.js';
import type { BusEvent } from '../../src/server/sync/bus.js';
import { RedisBus, RedisBusError, type RedisBusOptions } from '../../src/server/sync/redis/redis-bus.js';
import { REDIS_URL } from '../helpers/cluster-services.js';
import { describeBus } from '../conformance/bus.js';
import { text } from '../helpers/messages.js';
import { freePort, RedisProcess } from '../helpers/redis-server.js';
import { useHarness } from '../helpers/server.js';

if (!REDIS_URL) {
  console.log('RedisBus tests against a real Redis skipped: run them with IM_TEST_REDIS_URL=redis://127.0.0.1:6379');
}

const h = useHarness();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A fresh cluster per test: tests (and parallel runs) sharing one Redis never see each other. */
const clusterId = () => `test-${randomUUID()}`;

function readEvent(userId: string, readSeq: number): BusEvent {
  return { kind: 'read', convId: 'single:a:b', userId, readSeq, notify: [], except: { nodeId: 0, connId: '0.1' } };
}
const seqOf = (e: BusEvent): number => (e.kind === 'read' ? e.readSeq : -1);

/** Polls `condition` every few ms until it holds; rejects after `timeoutMs` with `what`. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Everything a test opens, closed after it whatever happened.
const buses: RedisBus[] = [];
const clients: Redis[] = [];
const servers: RedisProcess[] = [];
const tcpServers: Server[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(servers.splice(0).map((s) => s.kill()));
  await Promise.all(tcpServers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function open(url: string, options: RedisBusOptions): Promise<RedisBus> {
  const bus = await RedisBus.connect(url, options);
  buses.push(bus);
  return bus;
}

/** Subscribes and collects every event; resolves once the subscription is live. */
async function listen(bus: RedisBus): Promise<{ events: BusEvent[]; off: () => Promise<void> }> {
  const events: BusEvent[] = [];
  const off = await bus.subscribe((e) => events.push(e));
  return { events, off };
}

describe('RedisBus.connect refuses clearly (no Redis needed)', () => {
  it.each(['not a url', 'localhost:6379', 'http://127.0.0.1:6379', 'redis://host:notaport'])('rejects the malformed URL %s, naming it', async (url) => {
    const err = await RedisBus.connect(url, { clusterId: 'c' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisBusError);
    expect((err as Error).message).toContain(url);
  });

  it('rejects an invalid cluster id', async () => {
    await expect(RedisBus.connect('redis://127.0.0.1:6379', { clusterId: 'a b:c' })).rejects.toThrow(/cluster id "a b:c" is not valid/);
  });

  it('rejects at once when nothing listens, naming the URL and the cause, and hides the password', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await RedisBus.connect(`redis://:s3cret@127.0.0.1:${port}`, { clusterId: 'c' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisBusError);
    expect((err as Error).message).toBe(`cannot connect to Redis at redis://:***@127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects within its deadline when the server accepts the connection but never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => {
      sockets.push(s);
      s.resume();
    });
    tcpServers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const started = Date.now();
    const err = await RedisBus.connect(`redis://127.0.0.1:${port}`, { clusterId: 'c', connectTimeoutMs: 500 }).catch((e: unknown) => e);
    for (const s of sockets) s.destroy();
    expect(err).toBeInstanceOf(RedisBusError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}: `));
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('is loaded lazily: importing the composition root does not load ioredis, connectRedisBus does', async () => {
    // A resolve hook that refuses ioredis, in a child process over the built dist/ (built by the global setup).
    const hook = `export async function resolve(s, c, next) { if (s === 'ioredis') throw new Error('ioredis was loaded'); return next(s, c); }`;
    const script = [
      `import { register } from 'node:module';`,
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`,
      `const root = await import('./dist/server/create-server.js');`,
      `console.log('root loaded');`,
      `await root.connectRedisBus('redis://127.0.0.1:1', { clusterId: 'c' }).catch((e) => console.log(e.message));`,
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 15_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    expect(out).toBe('root loaded\nioredis was loaded\n');
  });
});

describe.skipIf(!REDIS_URL)('RedisBus on a real Redis', () => {
  const url = REDIS_URL ?? '';

  describeBus('RedisBus', async () => open(url, { clusterId: clusterId() }));

  it('publishes a turn’s events as one JSON message {node, events} on the channel im:<clusterId>:bus', async () => {
    const id = clusterId();
    const bus = await open(url, { clusterId: id });
    expect(bus.channel).toBe(`im:${id}:bus`);
    const raw = new Redis(url);
    clients.push(raw);
    const seen: string[] = [];
    raw.on('message', (_channel: string, text: string) => seen.push(text));
    await raw.subscribe(`im:${id}:bus`);
    bus.publish(readEvent('a', 7));
    bus.publish(readEvent('a', 8));
    await waitFor(() => seen.length === 1, 'the raw subscriber to get the message');
    const message = JSON.parse(seen[0]!) as { node: unknown; events: unknown };
    expect(typeof message.node).toBe('string');
    expect(message.events).toEqual([readEvent('a', 7), readEvent('a', 8)]);
    // A later turn is a later message.
    bus.publish(readEvent('a', 9));
    await waitFor(() => seen.length === 2, 'the second message');
    expect((JSON.parse(seen[1]!) as { events: unknown }).events).toEqual([readEvent('a', 9)]);
  });

  it('hands a node its own events once, not again when Redis echoes them', async () => {
    const id = clusterId();
    const [a, b] = [await open(url, { clusterId: id }), await open(url, { clusterId: id })];
    const atA = await listen(a);
    const atB = await listen(b);
    a.publish(readEvent('a', 1));
    await waitFor(() => atB.events.length === 1, 'the event at the other node');
    // b's marker went through Redis after a's event did: once it is back at a, so is any echo.
    b.publish(readEvent('b', 1));
    await waitFor(() => atA.events.length === 2, "b's marker at a");
    expect(atA.events).toEqual([readEvent('a', 1), readEvent('b', 1)]);
  });

  it('two nodes of one cluster both get all of each other’s events, each publisher’s in publish order (1,000 each)', async () => {
    const id = clusterId();
    const [a, b] = [await open(url, { clusterId: id }), await open(url, { clusterId: id })];
    const atA = await listen(a);
    const atB = await listen(b);
    const N = 1000;
    for (let i = 1; i <= N; i++) {
      a.publish(readEvent('A', i));
      b.publish(readEvent('B', i));
    }
    await waitFor(() => atA.events.length === 2 * N && atB.events.length === 2 * N, `${2 * N} events at both nodes`);
    const expected = Array.from({ length: N }, (_, i) => i + 1);
    for (const got of [atA.events, atB.events]) {
      expect(got.filter((e) => e.kind === 'read' && e.userId === 'A').map(seqOf)).toEqual(expected);
      expect(got.filter((e) => e.kind === 'read' && e.userId === 'B').map(seqOf)).toEqual(expected);
    }
    expect(a.dropped + b.dropped).toBe(0);
  });

  it('two clusters on one Redis never see each other’s events', async () => {
    const [idX, idY] = [clusterId(), clusterId()];
    const [x, x2] = [await open(url, { clusterId: idX }), await open(url, { clusterId: idX })];
    const [y, y2] = [await open(url, { clusterId: idY }), await open(url, { clusterId: idY })];
    const atX2 = await listen(x2);
    const atY2 = await listen(y2);
    // Once y2 has Y's 100 events they have all passed through Redis; a marker X publishes
    // afterwards reaches x2 after anything Redis would have sent it before.
    for (let i = 1; i <= 100; i++) y.publish(readEvent('y', i));
    await waitFor(() => atY2.events.length === 100, "Y's events at y2");
    x.publish(readEvent('x', 1));
    await waitFor(() => atX2.events.length >= 1, "X's marker at x2");
    expect(atX2.events).toEqual([readEvent('x', 1)]);
    // And the other way round.
    y.publish(readEvent('y', 101));
    await waitFor(() => atY2.events.length === 101, "Y's marker at y2");
    expect(atY2.events.map((e) => (e.kind === 'read' ? e.userId : '?'))).toEqual(Array(101).fill('y'));
  });

  it('never misses an event published right after subscribe resolves, by a fresh node or after a full unsubscribe', async () => {
    const id = clusterId();
    const publisher = await open(url, { clusterId: id });
    for (let round = 1; round <= 20; round++) {
      const node = await open(url, { clusterId: id });
      const first = await listen(node);
      publisher.publish(readEvent('p', round));
      await waitFor(() => first.events.length === 1, `round ${round}: the event at the fresh node`);
      // Last handler gone (UNSUBSCRIBE), then back (SUBSCRIBE again).
      await first.off();
      const second = await listen(node);
      publisher.publish(readEvent('p', 1000 + round));
      await waitFor(() => second.events.length === 1, `round ${round}: the event after resubscribing`);
      expect(first.events.map(seqOf)).toEqual([round]);
      expect(second.events.map(seqOf)).toEqual([1000 + round]);
    }
  });

  it('carries a server’s SEND_ACKs and PUSHes: every device sees its pts in order', async () => {
    const bus = await connectRedisBus(url, { clusterId: clusterId() });
    const { server, users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true, bus });
    const laptop = await h.connect(server, alice, 'laptop');
    const acks = [];
    for (let i = 1; i <= 50; i++) acks.push(alice.client.send(text('bob', `m${i}`)));
    expect((await Promise.all(acks)).map((a) => a.stamp.pts)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (let i = 1; i <= 50; i++) {
      expect((await bob.client.waitFor(match.push({ text: `m${i}` }))).stamp.pts).toBe(i);
      expect((await laptop.waitFor(match.push({ text: `m${i}` }))).stamp.pts).toBe(i);
    }
  });

  it('keeps a handler that throws from breaking delivery to the others', async () => {
    const bus = await open(url, { clusterId: clusterId() });
    await bus.subscribe(() => {
      throw new Error('boom');
    });
    const good = await listen(bus);
    bus.publish(readEvent('a', 1));
    bus.publish(readEvent('a', 2));
    await waitFor(() => good.events.length === 2, 'both events at the good handler');
    expect(good.events.map(seqOf)).toEqual([1, 2]);
  });

  it('survives a Redis restart: publish during the outage drops without throwing, then delivers again without being recreated', async () => {
    const redis = new RedisProcess(await freePort());
    servers.push(redis);
    await redis.start();
    const warnings: string[] = [];
    const logger = createLogger('warn', (line) => warnings.push(line));
    const id = clusterId();
    const a = await open(redis.url, { clusterId: id, logger });
    const b = await open(redis.url, { clusterId: id, logger });
    const atB = await listen(b);
    a.publish(readEvent('a', 1));
    await waitFor(() => atB.events.length === 1, 'the first event');

    await redis.kill('SIGKILL');
    // Until ioredis notices the loss the event may still be written (and lost with the socket);
    // from then on publish drops and counts. It never throws and never rejects.
    let n = 1;
    await waitFor(() => {
      expect(() => a.publish(readEvent('a', ++n))).not.toThrow();
      return a.dropped > 0;
    }, 'publish to be dropped while Redis is down');
    for (let i = 0; i < 100; i++) expect(() => a.publish(readEvent('a', ++n))).not.toThrow();
    expect(a.dropped).toBeGreaterThanOrEqual(100);
    expect(warnings.some((l) => l.includes('redis bus is dropping events'))).toBe(true);

    await redis.start();
    // Both connections come back by themselves and b resubscribes: probe until an event gets through.
    const probes = atB.events.length;
    await waitFor(
      () => {
        a.publish(readEvent('probe', 0));
        return atB.events.length > probes;
      },
      'delivery after the restart',
      15_000,
    );
    const before = atB.events.length;
    for (let i = 1; i <= 100; i++) a.publish(readEvent('after', i));
    await waitFor(() => atB.events.filter((e) => e.kind === 'read' && e.userId === 'after').length === 100, '100 events after the restart');
    const after = atB.events.slice(before).filter((e) => e.kind === 'read' && e.userId === 'after');
    expect(after.map(seqOf)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // Nothing published during the outage arrived later (no offline queue, no resend).
    expect(atB.events.filter((e) => e.kind === 'read' && e.userId === 'a' && e.readSeq > 1)).toEqual([]);
  });
});
