/**
 * `npm run bench`: durable one-to-one throughput of a real `im serve` child process on a temp
 * SQLite file, driven over real WebSockets from this process. Prints figures, never asserts.
 *
 *   npm run bench -- [--pairs 50] [--messages 1000] [--window 32] [--db :memory:]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { CmdType, ConvType, MsgType, PROTOCOL_VERSION } from '../protocol/codes.js';
import { connectUrl, wsEndpoint } from '../client/handshake.js';
import { ImHttp } from '../client/http-client.js';

interface Args { pairs: number; messages: number; window: number; db?: string }

function parseArgs(argv: string[]): Args {
  const args: Args = { pairs: 50, messages: 1000, window: 32 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    const value = argv[i + 1];
    if (key === 'db' && value) args.db = value;
    else if ((key === 'pairs' || key === 'messages' || key === 'window') && value && /^\d+$/.test(value)) args[key] = Number(value);
    else throw new Error(`unknown or bad option --${key}: use --pairs N --messages N --window N --db PATH`);
  }
  return args;
}

async function startServer(db: string): Promise<{ child: ChildProcess; url: string }> {
  const bin = fileURLToPath(new URL('../../bin/im.js', import.meta.url));
  const child = spawn(process.execPath, [...(process.env.IM_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), bin, 'serve', '--db', db, '--port', '0', '--log-level', 'warn', '--rate-burst', '1000000000', '--rate-limit', '1000000000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /im listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
  return { child, url };
}

function open(url: string, token: string, deviceId: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(connectUrl(wsEndpoint(url), { token, deviceId }), { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** A PUSH frame's text contains this; a substring test keeps JSON parsing off the receive path. */
const PUSH_MARK = `"cmd":${CmdType.PUSH}`;

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'im-bench-'));
  const db = args.db ?? join(dir, 'bench.db');
  const { child, url } = await startServer(db);
  try {
    const http = new ImHttp(url);
    const users = Array.from({ length: args.pairs * 2 }, (_, i) => `u${i}`);
    process.stderr.write(`registering ${users.length} users…\n`);
    const tokens = await Promise.all(users.map(async (u) => (await http.register(u, 'pw'), (await http.login(u, 'pw')).token)));
    for (let p = 0; p < args.pairs; p++) {
      const [a, b] = [tokens[2 * p]!, tokens[2 * p + 1]!];
      await http.withToken(a).friendAdd(users[2 * p + 1]!);
      await http.withToken(b).friendAdd(users[2 * p]!);
    }
    const sockets = await Promise.all(tokens.map((t, i) => open(url, t, `bench${i}`)));
    const total = args.pairs * args.messages;
    let acked = 0;
    let pushed = 0;
    const latencies: number[] = [];
    process.stderr.write(`sending ${total} messages over ${args.pairs} pairs (window ${args.window})…\n`);
    const started = performance.now();
    const serverCpu0 = cpuSeconds(child.pid!);
    const clientCpu0 = process.cpuUsage();
    let ackDoneAt = 0;
    let pushDoneAt = 0;
    await new Promise<void>((resolve) => {
      for (let p = 0; p < args.pairs; p++) {
        const sender = sockets[2 * p]!;
        const receiver = sockets[2 * p + 1]!;
        const to = users[2 * p + 1]!;
        const sentAt = new Map<string, number>();
        let next = 0;
        const sendOne = () => {
          const reqId = String(next++);
          sentAt.set(reqId, performance.now());
          sender.send(JSON.stringify({ header: { version: PROTOCOL_VERSION, cmd: CmdType.SEND, reqId }, route: { convType: ConvType.SINGLE, msgType: MsgType.TEXT, to }, content: { text: `m${reqId}` } }));
        };
        sender.on('message', (data) => {
          const f = JSON.parse(data.toString()) as { header: { cmd: number; reqId?: string } };
          if (f.header.cmd !== CmdType.SEND_ACK) return;
          latencies.push(performance.now() - (sentAt.get(f.header.reqId!) ?? 0));
          acked++;
          if (next < args.messages) sendOne();
          if (acked === total) ackDoneAt = performance.now();
          if (acked === total && pushed === total) resolve();
        });
        receiver.on('message', (data) => {
          if (!data.toString().includes(PUSH_MARK)) return;
          pushed++;
          if (pushed === total) pushDoneAt = performance.now();
          if (acked === total && pushed === total) resolve();
        });
        for (let i = 0; i < Math.min(args.window, args.messages); i++) sendOne();
      }
    });
    const seconds = (Math.max(ackDoneAt, pushDoneAt) - started) / 1000;
    const serverCpu = cpuSeconds(child.pid!) - serverCpu0;
    const clientUsage = process.cpuUsage(clientCpu0);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    latencies.sort((x, y) => x - y);
    const line = (k: string, v: string) => process.stdout.write(`${k.padEnd(26)} ${v}\n`);
    line('messages', args.db === ':memory:' ? `${total} one-to-one, SQLite :memory: (not durable)` : `${total} durable one-to-one (SQLite ${args.db ?? 'temp file'}, WAL)`);
    line('throughput', `${Math.round(total / seconds).toLocaleString('en')} messages/s (acked and pushed)`);
    line('ack latency p50/p99/max', `${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 99).toFixed(1)} / ${latencies.at(-1)?.toFixed(1)} ms`);
    line('cpu: server / this load', `${Math.round((serverCpu / seconds) * 100)}% / ${Math.round((clientCpu / seconds) * 100)}% of one core`);
    const metrics = await http.metrics();
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    line('store commits', `${metric('im_store_batch_size_count')} (avg ${(metric('im_store_batch_size_sum') / metric('im_store_batch_size_count')).toFixed(1)} messages, avg ${((metric('im_store_commit_seconds_sum') / metric('im_store_commit_seconds_count')) * 1000).toFixed(2)} ms)`);
    line('pushes received', `${pushed}/${total}`);
    line('vs 20,000/s target', `${(total / seconds / 20_000).toFixed(2)}x`);
    for (const s of sockets) s.terminate();
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exit(1);
});
