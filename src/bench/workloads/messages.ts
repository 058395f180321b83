import { randomBytes } from 'node:crypto';
import { ConvType } from '../../protocol/codes.js';
import { closeAll, keepAlive, openAll, type BenchSocket, type Dial } from '../driver/sockets.js';
import { localReceivers, runTraffic, secondsOf, type TrafficRun, type TrafficSender, type TrafficSpec } from '../driver/traffic.js';
import { cpuMeter, ownCpuMeter, RssSampler } from '../proc-stats.js';
import type { BenchTarget } from '../targets/target.js';
import type { Case, Measure } from '../types.js';
import type { Workload, WorkloadContext } from './context.js';

/** Messages per sender sent first and not counted: a fresh server spends its first moments compiling hot paths. */
const WARMUP_SHARE = 0.1;
const MAX_WARMUP = 100;

/**
 * pairs and latency: sender i → receiver i, one-to-one (SINGLE, friends), each pair's two users
 * on different nodes when there are several. latency is the same with window 1 and few pairs.
 */
export const pairsWorkload: Workload = async (target, c, ctx) => {
  const pairs = Math.max(1, Math.floor(c.users / 2));
  const users = await target.provision(Array.from({ length: pairs * 2 }, (_, i) => `${ctx.prefix}u${i}`));
  await target.befriend(Array.from({ length: pairs }, (_, p) => [users[2 * p]!, users[2 * p + 1]!] as const));
  const nodes = target.urls.length;
  // Pair p: the sender on node p, the receiver on the next one, so every message crosses nodes.
  const dials = users.map((u, i): Dial => ({ url: target.urls[(Math.floor(i / 2) + (i % 2)) % nodes]!, userId: u.userId, token: u.token }));
  return withSockets(target, dials, ctx, c, (sockets) => {
    const senders = Array.from({ length: pairs }, (_, p): TrafficSender => ({ socket: sockets[2 * p]!, convType: ConvType.SINGLE, to: users[2 * p + 1]!.userId, recipients: 1 }));
    return { senders, receivers: sockets.filter((_, i) => i % 2 === 1) };
  });
};

/**
 * group, million and chatroom: one group of c.users members spread over the nodes; the owner
 * sends, every other member receives each message.
 */
export function groupWorkload(convType: ConvType): Workload {
  return async (target, c, ctx) => {
    const users = await target.provision(Array.from({ length: c.users }, (_, i) => `${ctx.prefix}m${i}`));
    const owner = users[0]!;
    const groupId = `${ctx.prefix}group`;
    await target.createGroup(convType, owner, groupId, users.slice(1).map((u) => u.userId));
    const dials = users.map((u, i): Dial => ({ url: target.urls[i % target.urls.length]!, userId: u.userId, token: u.token }));
    return withSockets(target, dials, ctx, c, (sockets) => ({
      senders: [{ socket: sockets[0]!, convType, to: groupId, recipients: users.length - 1 }],
      receivers: sockets.slice(1),
    }));
  };
}

type Plan = (sockets: BenchSocket[]) => { senders: TrafficSender[]; receivers: BenchSocket[] };

/** Connects every user, warms up, runs the measured round, and disconnects. */
async function withSockets(target: BenchTarget, dials: Dial[], ctx: WorkloadContext, c: Case, plan: Plan): Promise<Measure> {
  const rss = target.pid === undefined ? undefined : new RssSampler(target.pid);
  const opened = await openAll(dials, (n) => ctx.progress('connecting', n, dials.length));
  if (opened.errors > 0) {
    closeAll(opened.sockets);
    rss?.stop();
    throw new Error(`${opened.errors} of ${dials.length} connections to ${target.kind === 'im' ? 'im' : 'the relay'} failed: ${opened.firstError}`);
  }
  const stopKeepAlive = keepAlive(opened.sockets);
  try {
    const planned = plan(opened.sockets);
    const { senders } = planned;
    const receivers = localReceivers(planned.receivers);
    const warmup = c.durationS === undefined ? Math.min(MAX_WARMUP, Math.floor(c.messages * WARMUP_SHARE)) : Math.min(MAX_WARMUP, c.window * 4);
    if (warmup > 0) {
      const w = runTraffic({ senders, receivers, messages: warmup, window: c.window, round: round(), ...stall(ctx) });
      await follow(w, ctx, 'warming up');
    }
    const serverCpu = target.pid === undefined ? undefined : cpuMeter(target.pid);
    const driverCpu = ownCpuMeter();
    const spec: TrafficSpec = { senders, receivers, messages: c.messages, window: c.window, round: round(), ...stall(ctx) };
    if (c.durationS !== undefined) spec.durationS = c.durationS;
    const run = await follow(runTraffic(spec), ctx, 'sending');
    const cpuPercent = serverCpu?.();
    const peakRssMb = rss?.peakMb();
    return measureOf(run, driverCpu(), cpuPercent, peakRssMb);
  } finally {
    stopKeepAlive();
    rss?.stop();
    closeAll(opened.sockets);
  }
}

const round = () => randomBytes(4).toString('hex');
const stall = (ctx: WorkloadContext) => (ctx.stallMs === undefined ? {} : { stallMs: ctx.stallMs });

/** Waits for a round, reporting its deliveries as progress every 100 ms. */
async function follow(traffic: { run: TrafficRun; done: Promise<TrafficRun> }, ctx: WorkloadContext, phase: string): Promise<TrafficRun> {
  const { run } = traffic;
  const timer = setInterval(() => ctx.progress(phase, run.deliveries, Math.max(run.plannedDeliveries, run.expected)), 100);
  try {
    return await traffic.done;
  } finally {
    clearInterval(timer);
    ctx.progress(phase, run.deliveries, Math.max(run.plannedDeliveries, run.expected));
  }
}

export function measureOf(run: TrafficRun, driverCpuPercent: number, cpuPercent?: number, peakRssMb?: number): Measure {
  const seconds = secondsOf(run);
  const m: Measure = {
    messages: run.acked,
    deliveries: run.deliveries,
    expected: run.expected,
    lost: Math.max(0, run.expected - run.deliveries),
    duplicates: run.duplicates,
    errors: run.errors,
    seconds,
    messagesPerSec: run.acked / seconds,
    deliveriesPerSec: run.deliveries / seconds,
    latency: run.latency.summary(),
    driverCpuPercent,
  };
  if (cpuPercent !== undefined) m.cpuPercent = cpuPercent;
  if (peakRssMb !== undefined) m.peakRssMb = peakRssMb;
  return m;
}

