import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/codes.js';
import { REDIS_URL } from '../helpers/cluster-services.js';
import { RedisProcess, freePort } from '../helpers/redis-server.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * /healthz answers 200 only while the store AND the bus answer: a node cut off from Redis is not
 * healthy (it would store and ack, but its pushes would reach no other node). A test-owned
 * redis-server is killed and restarted; the same node turns 503, then 200 again by itself.
 */

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 20_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still not so after ${deadlineMs} ms (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!REDIS_URL)('GET /healthz with a Redis bus', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('is 503 (5001, naming the bus) while Redis is down, and 200 again once it is back', async () => {
    const redis = new RedisProcess(await freePort());
    await redis.start();
    cleanups.push(() => redis.kill());
    const server: TestServer = await startServer({ busUrl: redis.url });
    cleanups.push(() => server.close());
    expect(await server.http.healthz()).toMatchObject({ ok: true, status: 200 });

    await redis.kill();
    const down = await until('503 after Redis died', () => server.http.healthz(), (h) => h.status === 503);
    expect(down.body).toMatchObject({ code: ErrorCode.UNAVAILABLE, msg: 'the bus does not answer' });

    await redis.start();
    await until('200 after Redis came back', () => server.http.healthz(), (h) => h.status === 200);
  }, 60_000);
});
