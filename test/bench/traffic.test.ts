import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ReceiverThreads, receiverThreadsFor } from '../../src/bench/driver/receiver-threads.js';
import { closeAll, openAll } from '../../src/bench/driver/sockets.js';
import { localReceivers, runTraffic } from '../../src/bench/driver/traffic.js';
import { startRelay, type Relay } from '../../src/bench/relay/relay-server.js';
import { CmdType, ConvType } from '../../src/protocol/codes.js';
import { decode } from '../../src/protocol/decode.js';

/**
 * The bench's message engine against the relay over real sockets: the SENDs it writes by hand
 * are frames the server's decoder accepts, every message is counted once per recipient, and a
 * PUSH that comes twice or never is reported as such.
 */
describe('bench traffic', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function relay(): Promise<Relay> {
    const r = await startRelay();
    cleanups.push(() => r.close());
    return r;
  }

  async function listening(): Promise<WebSocketServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((r) => wss.close(r)));
    await new Promise((r) => wss.once('listening', r));
    return wss;
  }

  async function connect(url: string, userIds: string[]) {
    const opened = await openAll(userIds.map((userId) => ({ url, userId, token: userId })));
    cleanups.push(() => closeAll(opened.sockets));
    expect(opened.errors).toBe(0);
    return opened.sockets;
  }

  it('writes SENDs the server decodes, with a clientMsgId unique per round and sender', async () => {
    const frames: string[] = [];
    const wss = await listening();
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        const text = data.toString();
        frames.push(text);
        const reqId = (JSON.parse(text) as { header: { reqId: string } }).header.reqId;
        ws.send(JSON.stringify({ header: { version: 1, cmd: CmdType.SEND_ACK, reqId }, content: {}, stamp: {} }));
      }),
    );
    const [a] = await connect(`http://127.0.0.1:${(wss.address() as AddressInfo).port}`, ['a']);
    const { done } = runTraffic({ senders: [{ socket: a!, convType: ConvType.GROUP, to: 'g-1.x', recipients: 0 }], receivers: localReceivers([]), messages: 5, window: 2, round: 'r1' });
    const run = await done;
    expect(run.acked).toBe(5);
    expect(frames).toHaveLength(5);
    const decoded = frames.map((f) => decode(f));
    for (const d of decoded) expect(d.ok, JSON.stringify(d)).toBe(true);
    const sends = frames.map((f) => JSON.parse(f) as { route: { to: string; convType: number }; control: { clientMsgId: string }; content: { bench: number[] } });
    expect(sends.map((s) => s.route)).toEqual(Array(5).fill({ convType: ConvType.GROUP, msgType: 1, to: 'g-1.x' }));
    expect(new Set(sends.map((s) => s.control.clientMsgId)).size).toBe(5);
    expect(sends.map((s) => s.content.bench.slice(0, 2))).toEqual([0, 1, 2, 3, 4].map((n) => [0, n]));
  });

  it('counts each one-to-one and group message once per recipient, with a latency for each', async () => {
    const r = await relay();
    const sockets = await connect(r.httpUrl, ['s1', 'r1', 's2', 'r2', 'o', 'm1', 'm2', 'm3']);
    await fetch(`${r.httpUrl}/groups`, { method: 'POST', body: JSON.stringify({ groupId: 'g', members: ['o', 'm1', 'm2', 'm3'] }) });
    const [s1, r1, s2, r2, o, m1, m2, m3] = sockets;
    const { done } = runTraffic({
      senders: [
        { socket: s1!, convType: ConvType.SINGLE, to: 'r1', recipients: 1 },
        { socket: s2!, convType: ConvType.SINGLE, to: 'r2', recipients: 1 },
        { socket: o!, convType: ConvType.GROUP, to: 'g', recipients: 3 },
      ],
      receivers: localReceivers([r1!, r2!, m1!, m2!, m3!]),
      messages: 40,
      window: 8,
      round: 'r2',
    });
    const run = await done;
    expect(run).toMatchObject({ acked: 120, errors: 0, expected: 40 + 40 + 120, deliveries: 200, duplicates: 0 });
    expect(run.latency.count).toBe(200);
  });

  it('counts the same on receiver threads: each PUSH once per recipient, latencies merged, the last delivery kept', async () => {
    const r = await relay();
    const members = Array.from({ length: 12 }, (_, i) => `t${i}`);
    await fetch(`${r.httpUrl}/groups`, { method: 'POST', body: JSON.stringify({ groupId: 'tg', members: ['owner', ...members] }) });
    const [owner] = await connect(r.httpUrl, ['owner']);
    const opened = await ReceiverThreads.open(members.map((userId) => ({ url: r.httpUrl, userId, token: userId })), 3);
    cleanups.push(() => opened.receivers.close());
    expect(opened.errors).toBe(0);
    expect(opened.receivers.size).toBe(3);
    const receivers = opened.receivers.pushReceivers();
    for (const round of ['w', 'm']) {
      const { done } = runTraffic({ senders: [{ socket: owner!, convType: ConvType.GROUP, to: 'tg', recipients: 12 }], receivers, messages: 30, window: 4, round });
      const run = await done;
      // The second round starts from zero: a thread's counts are per round.
      expect(run).toMatchObject({ acked: 30, expected: 360, deliveries: 360, duplicates: 0, errors: 0 });
      expect(run.latency.count).toBe(360);
      expect(run.lastDeliveryAt).toBeGreaterThan(run.startedAt);
      expect(run.endedAt).toBeGreaterThanOrEqual(run.lastDeliveryAt);
    }
    expect(opened.receivers.busiestPercent).toBeGreaterThan(0);
  });

  it('uses receiver threads for 100 receivers or more: one per core but one, at least one, at most four', () => {
    expect(receiverThreadsFor(99, 8)).toBe(0);
    expect(receiverThreadsFor(100, 2)).toBe(1);
    expect(receiverThreadsFor(999, 1)).toBe(1);
    expect(receiverThreadsFor(999, 4)).toBe(3);
    expect(receiverThreadsFor(9999, 16)).toBe(4);
  });

  it('refuses two senders on one socket (their acks could not be told apart)', async () => {
    const r = await relay();
    const [a] = await connect(r.httpUrl, ['a']);
    const twice = { socket: a!, convType: ConvType.SINGLE, to: 'b', recipients: 1 };
    expect(() => runTraffic({ senders: [twice, { ...twice, to: 'c' }], receivers: localReceivers([]), messages: 1, window: 1, round: 'r' })).toThrow(/a socket of its own/);
  });

  it('reports a PUSH that comes twice as a duplicate, and one that never comes as missing after the stall', async () => {
    // A server that pushes every even message twice and drops every odd one.
    const wss = await listening();
    const byUser = new Map<string, import('ws').WebSocket>();
    wss.on('connection', (ws, req) => {
      byUser.set(new URL(req.url!, 'http://x').searchParams.get('token')!, ws);
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString()) as { header: { reqId: string }; content: { bench: number[] } };
        const push = JSON.stringify({ header: { version: 1, cmd: CmdType.PUSH }, content: f.content });
        const n = f.content.bench[1]!;
        if (n % 2 === 0) for (let i = 0; i < 2; i++) byUser.get('b')!.send(push);
        ws.send(JSON.stringify({ header: { version: 1, cmd: CmdType.SEND_ACK, reqId: f.header.reqId } }));
      });
    });
    const [a, b] = await connect(`http://127.0.0.1:${(wss.address() as AddressInfo).port}`, ['a', 'b']);
    const { done } = runTraffic({ senders: [{ socket: a!, convType: ConvType.SINGLE, to: 'b', recipients: 1 }], receivers: localReceivers([b!]), messages: 10, window: 1, round: 'r3', stallMs: 300 });
    const run = await done;
    expect(run).toMatchObject({ acked: 10, expected: 10, deliveries: 5, duplicates: 5 });
  });
});
