import { setTimeout as sleep } from 'node:timers/promises';
import { closeAll, openAll, type Dial, type OpenResult } from '../driver/sockets.js';
import { cpuMeter, ownCpuMeter, rssBytes, RssSampler } from '../proc-stats.js';
import type { BenchTarget } from '../targets/target.js';
import type { Case, Measure } from '../types.js';
import type { Workload, WorkloadContext } from './context.js';

/** How long a server is left alone before and after connections open, so its RSS reflects them and not work in flight. */
const SETTLE_MS = 1000;

/** A connections case's figures: connections opened (as messages), per second, refusals, handshake latency. */
function connectionsMeasure(opened: OpenResult, driverCpuPercent: number): Measure {
  return {
    messages: opened.sockets.length,
    deliveries: 0,
    expected: 0,
    lost: 0,
    duplicates: 0,
    errors: opened.errors,
    seconds: opened.seconds,
    messagesPerSec: opened.sockets.length / Math.max(1e-6, opened.seconds),
    deliveriesPerSec: 0,
    latency: opened.latency.summary(),
    driverCpuPercent,
  };
}

async function dialsFor(target: BenchTarget, c: Case, ctx: WorkloadContext): Promise<Dial[]> {
  const users = await target.provision(Array.from({ length: c.users }, (_, i) => `${ctx.prefix}c${i}`));
  return users.map((u, i) => ({ url: target.urls[i % target.urls.length]!, userId: u.userId, token: u.token }));
}

/** connect: c.users connections (token check, handshake, device registration) as fast as they are accepted. */
export const connectWorkload: Workload = async (target, c, ctx) => {
  const dials = await dialsFor(target, c, ctx);
  const rss = target.pid === undefined ? undefined : new RssSampler(target.pid);
  const serverCpu = target.pid === undefined ? undefined : cpuMeter(target.pid);
  const driverCpu = ownCpuMeter();
  const opened = await openAll(dials, (n) => ctx.progress('connecting', n, dials.length));
  const cpuPercent = serverCpu?.();
  const peakRssMb = rss?.peakMb();
  rss?.stop();
  closeAll(opened.sockets);
  const m = connectionsMeasure(opened, driverCpu());
  if (cpuPercent !== undefined) m.cpuPercent = cpuPercent;
  if (peakRssMb !== undefined) m.peakRssMb = peakRssMb;
  return m;
};

/**
 * idle: c.users connections that then do nothing; the server's resident memory per connection
 * is its RSS growth over them (a remote server's is not measured).
 */
export const idleWorkload: Workload = async (target, c, ctx) => {
  const dials = await dialsFor(target, c, ctx);
  await sleep(SETTLE_MS);
  const before = target.pid === undefined ? undefined : rssBytes(target.pid);
  const driverCpu = ownCpuMeter();
  const opened = await openAll(dials, (n) => ctx.progress('connecting', n, dials.length));
  try {
    await sleep(SETTLE_MS);
    const after = target.pid === undefined ? undefined : rssBytes(target.pid);
    const m = connectionsMeasure(opened, driverCpu());
    if (after !== undefined) m.peakRssMb = Math.round(after / 1024 / 1024);
    if (before !== undefined && after !== undefined && opened.sockets.length > 0) {
      m.kibPerConnection = Math.round(((after - before) / 1024 / opened.sockets.length) * 100) / 100;
    }
    return m;
  } finally {
    closeAll(opened.sockets);
  }
};
