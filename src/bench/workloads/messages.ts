import { randomBytes } from 'node:crypto';
import { ConvType } from '../../protocol/codes.js';
import { ReceiverThreads, receiverThreadsFor } from '../driver/receiver-threads.js';
import { closeAll, keepAlive, openAll, type BenchSocket, type Dial } from '../driver/sockets.js';
import { localReceivers, runTraffic, secondsOf, type PushReceivers, type TrafficRun, type TrafficSender, type TrafficSpec } from '../driver/traffic.js';
import { cpuMeter, ownBusyMeter, RssSampler } from '../proc-stats.js';
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
  return withSockets(target, ctx, c, {
    senders: Array.from({ length: pairs }, (_, p): PlannedSender => ({ dial: dials[2 * p]!, convType: ConvType.SINGLE, to: users[2 * p + 1]!.userId, recipients: 1 })),
    receivers: dials.filter((_, i) => i % 2 === 1),
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
    return withSockets(target, ctx, c, {
      senders: [{ dial: dials[0]!, convType, to: groupId, recipients: users.length - 1 }],
      receivers: dials.slice(1),
    });
  };
}

/** A sender of the case: its socket is opened on this thread, which sends. */
type PlannedSender = Omit<TrafficSender, 'socket'> & { dial: Dial };

/** Who sends and who receives; nobody does both. */
interface Plan {
  senders: PlannedSender[];
  receivers: Dial[];
}

/**
 * Connects every user (the receivers of a fan-out case on receiver threads: receiver-threads.ts),
 * warms up, runs the measured round, and disconnects.
 */
async function withSockets(target: BenchTarget, ctx: WorkloadContext, c: Case, plan: Plan): Promise<Measure> {
  const rss = target.pid === undefined ? undefined : new RssSampler(target.pid);
  const total = plan.senders.length + plan.receivers.length;
  const threads = receiverThreadsFor(plan.receivers.length);
  let receiverSockets: BenchSocket[] = [];
  let receiverThreads: ReceiverThreads | undefined;
  let senderSockets: BenchSocket[] = [];
  const cleanUp = async () => {
    closeAll(senderSockets);
    closeAll(receiverSockets);
    await receiverThreads?.close();
  };
  const fail = async (errors: number, firstError: string | undefined): Promise<never> => {
    await cleanUp();
    rss?.stop();
    throw new Error(`${errors} of ${total} connections to ${target.kind === 'im' ? 'im' : 'the relay'} failed: ${firstError}`);
  };
  const opened = await openAll(plan.senders.map((s) => s.dial), (n) => ctx.progress('connecting', n, total));
  senderSockets = opened.sockets;
  if (opened.errors > 0) return fail(opened.errors, opened.firstError);
  let receivers: PushReceivers;
  if (threads === 0) {
    const r = await openAll(plan.receivers, (n) => ctx.progress('connecting', opened.sockets.length + n, total));
    receiverSockets = r.sockets;
    if (r.errors > 0) return fail(r.errors, r.firstError);
    receivers = localReceivers(receiverSockets);
  } else {
    const r = await ReceiverThreads.open(plan.receivers, threads, (n) => ctx.progress('connecting', opened.sockets.length + n, total));
    receiverThreads = r.receivers;
    if (r.errors > 0) return fail(r.errors, r.firstError);
    receivers = receiverThreads.pushReceivers();
  }
  const stopKeepAlive = keepAlive([...senderSockets, ...receiverSockets]);
  try {
    const senders = plan.senders.map(({ dial: _dial, ...s }, i): TrafficSender => ({ ...s, socket: senderSockets[i]! }));
    const warmup = c.durationS === undefined ? Math.min(MAX_WARMUP, Math.floor(c.messages * WARMUP_SHARE)) : Math.min(MAX_WARMUP, c.window * 4);
    if (warmup > 0) {
      const w = runTraffic({ senders, receivers, messages: warmup, window: c.window, round: round(), ...stall(ctx) });
      await follow(w, ctx, 'warming up');
    }
    const serverCpu = target.pid === undefined ? undefined : cpuMeter(target.pid);
    const driverBusy = ownBusyMeter();
    const spec: TrafficSpec = { senders, receivers, messages: c.messages, window: c.window, round: round(), ...stall(ctx) };
    if (c.durationS !== undefined) spec.durationS = c.durationS;
    const run = await follow(runTraffic(spec), ctx, 'sending');
    const cpuPercent = serverCpu?.();
    const peakRssMb = rss?.peakMb();
    // The driver's limit is its busiest thread: the sending one here, or a receiver thread.
    const busiest = Math.max(driverBusy(), receiverThreads?.busiestPercent ?? 0);
    return measureOf(run, busiest, cpuPercent, peakRssMb, 1 + (receiverThreads?.size ?? 0));
  } finally {
    stopKeepAlive();
    rss?.stop();
    await cleanUp();
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

export function measureOf(run: TrafficRun, driverCpuPercent: number, cpuPercent?: number, peakRssMb?: number, driverThreads = 1): Measure {
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
    driverThreads,
  };
  if (cpuPercent !== undefined) m.cpuPercent = cpuPercent;
  if (peakRssMb !== undefined) m.peakRssMb = peakRssMb;
  return m;
}

