/**
 * `npm run bench`: durable throughput of a real `im serve` child process on a temp SQLite file,
 * or of running nodes (`--server URL1,URL2,…`, a cluster), driven over real WebSockets from this
 * process. Prints figures, never asserts.
 *
 *   npm run bench -- [--pairs 50] [--messages 1000] [--window 32] [--warmup 200] [--db :memory:]
 *   IM_ADMIN_TOKEN=T npm run bench -- --server http://127.0.0.1:7701,http://127.0.0.1:7702 --pairs 60
 *   npm run bench -- --group 100 --senders 10 --messages 200 [--type mgroup] [--server …]
 *
 * Users are made with the admin token (POST /system/users; IM_ADMIN_TOKEN for running nodes),
 * or registered one by one without it.
 * One-to-one: each pair's sender and receiver sit on different nodes when there are several.
 * Every pair first sends --warmup messages (one-to-one only) that are not counted: a node's first seconds are
 * spent compiling its hot paths, and the figure is meant to be the steady state.
 * --group M: one GROUP of M members spread over the nodes, the first --senders of them sending
 * --messages each; the figure is deliveries (PUSHes received) per second. --type mgroup makes it a
 * MILLION_GROUP instead (read diffusion: no inbox rows, pushes without pts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { CmdType, ConvType, MsgType, PROTOCOL_VERSION } from '../protocol/codes.js';
import { connectUrl, wsEndpoint } from '../client/handshake.js';
import { ImHttp } from '../client/http-client.js';

interface Args { pairs: number; messages: number; window: number; warmup: number; db?: string; servers?: string[]; group?: number; senders: number; type: GroupType }

/** --type: the conversation type of --group (write or read diffusion). */
const GROUP_TYPES = { group: ConvType.GROUP, mgroup: ConvType.MILLION_GROUP } as const;
type GroupType = keyof typeof GROUP_TYPES;

function parseArgs(argv: string[]): Args {
  const args: Args = { pairs: 50, messages: 1000, window: 32, warmup: 200, senders: 10, type: 'group' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    const value = argv[i + 1];
    if (key === 'db' && value) args.db = value;
    else if (key === 'type' && (value === 'group' || value === 'mgroup')) args.type = value;
    else if (key === 'server' && value) args.servers = value.split(',').map((u) => u.trim().replace(/\/+$/, ''));
    else if ((key === 'pairs' || key === 'messages' || key === 'window' || key === 'warmup' || key === 'group' || key === 'senders') && value && /^\d+$/.test(value)) args[key] = Number(value);
    else throw new Error(`unknown or bad option --${key}: use --pairs N --messages N --window N --warmup N --db PATH --server URL[,URL…] --group M --senders S --type group|mgroup`);
  }
  return args;
}

async function startServer(db: string, adminToken: string): Promise<{ child: ChildProcess; url: string }> {
  const bin = fileURLToPath(new URL('../../bin/im.js', import.meta.url));
  const child = spawn(process.execPath, [...(process.env.IM_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), bin, 'serve', '--db', db, '--port', '0', '--log-level', 'warn', '--rate-burst', '1000000000', '--rate-limit', '1000000000', '--admin-token', adminToken], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/**
 * A token for each of `users`: made in one call per 1,000 with the admin token (users without
 * passwords), or else registered and logged in, 16 at a time (two password hashes each).
 */
async function registerAll(http: ImHttp, users: string[], adminToken: string | undefined): Promise<string[]> {
  if (adminToken !== undefined) {
    const tokens: string[] = [];
    for (let at = 0; at < users.length; at += 1000) {
      const made = await http.withToken(adminToken).systemUsers(users.slice(at, at + 1000).map((userId) => ({ userId })));
      tokens.push(...made.map((u) => u.token));
    }
    return tokens;
  }
  const tokens: string[] = new Array(users.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < users.length) {
        const i = next++;
        await http.register(users[i]!, 'bench-password');
        tokens[i] = (await http.login(users[i]!, 'bench-password')).token;
      }
    }),
  );
  return tokens;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'im-bench-'));
  const db = args.db ?? join(dir, 'bench.db');
  // Users are provisioned with the admin token: the one given to the local server, or IM_ADMIN_TOKEN for running nodes.
  const adminToken = args.servers === undefined ? randomUUID() : process.env.IM_ADMIN_TOKEN;
  const local = args.servers === undefined ? await startServer(db, adminToken!) : undefined;
  const urls = args.servers ?? [local!.url];
  // Fresh user names per run: a running cluster keeps the users of earlier runs.
  const run = args.servers === undefined ? '' : `b${Date.now().toString(36)}-`;
  try {
    const http = new ImHttp(urls[0]!);
    if (args.group !== undefined) {
      await groupBench(args, urls, run, local?.child, adminToken);
      return;
    }
    const users = Array.from({ length: args.pairs * 2 }, (_, i) => `${run}u${i}`);
    process.stderr.write(`registering ${users.length} users…\n`);
    const tokens = await registerAll(http, users, adminToken);
    for (let p = 0; p < args.pairs; p++) {
      const [a, b] = [tokens[2 * p]!, tokens[2 * p + 1]!];
      await http.withToken(a).friendAdd(users[2 * p + 1]!);
      await http.withToken(b).friendAdd(users[2 * p]!);
    }
    // Pair p: the sender on node p, the receiver on the next one (every message crosses nodes).
    const nodeOf = (i: number) => urls[(Math.floor(i / 2) + (i % 2)) % urls.length]!;
    const sockets = await Promise.all(tokens.map((t, i) => open(nodeOf(i), t, `bench${i}`)));
    if (args.warmup > 0) {
      process.stderr.write(`warming up: ${args.pairs * args.warmup} messages, not counted…\n`);
      await pairRound(sockets, users, args.warmup, args.window);
    }
    const total = args.pairs * args.messages;
    process.stderr.write(`sending ${total} messages over ${args.pairs} pairs (window ${args.window})…\n`);
    const store0 = await storeTotals(urls);
    const serverCpu0 = local ? cpuSeconds(local.child.pid!) : NaN;
    const clientCpu0 = process.cpuUsage();
    const { seconds, latencies, pushed } = await pairRound(sockets, users, args.messages, args.window);
    const serverCpu = local ? cpuSeconds(local.child.pid!) - serverCpu0 : NaN;
    const clientUsage = process.cpuUsage(clientCpu0);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
    const line = (k: string, v: string) => process.stdout.write(`${k.padEnd(26)} ${v}\n`);
    line('messages', args.servers ? `${total} one-to-one over ${urls.length} node(s), sender and receiver on different nodes` : args.db === ':memory:' ? `${total} one-to-one, SQLite :memory: (not durable)` : `${total} durable one-to-one (SQLite ${args.db ?? 'temp file'}, WAL)`);
    line('throughput', `${Math.round(total / seconds).toLocaleString('en')} messages/s (acked and pushed)`);
    line('ack latency p50/p99/max', `${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 99).toFixed(1)} / ${latencies.at(-1)?.toFixed(1)} ms`);
    line('cpu: server / this load', `${local ? `${Math.round((serverCpu / seconds) * 100)}%` : 'n/a (remote)'} / ${Math.round((clientCpu / seconds) * 100)}% of one core`);
    await storeLine(urls, store0, line);
    line('pushes received', `${pushed}/${total}`);
    line('vs 20,000/s target', `${(total / seconds / 20_000).toFixed(2)}x`);
    for (const s of sockets) s.terminate();
  } finally {
    local?.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every pair's sender sends `messages` to its receiver, `window` unacknowledged at most; resolves
 * when every message is acked and pushed. Leaves no listener behind, so rounds can follow.
 */
async function pairRound(sockets: readonly WebSocket[], users: readonly string[], messages: number, window: number): Promise<{ seconds: number; latencies: number[]; pushed: number }> {
  const pairs = sockets.length / 2;
  const total = pairs * messages;
  // Every SEND carries a clientMsgId, as real clients' do (the server looks each one up): unique per round.
  const round = randomUUID().slice(0, 8);
  let acked = 0;
  let pushed = 0;
  const latencies: number[] = [];
  const started = performance.now();
  let ackDoneAt = 0;
  let pushDoneAt = 0;
  await new Promise<void>((resolve) => {
    for (let p = 0; p < pairs; p++) {
      const sender = sockets[2 * p]!;
      const receiver = sockets[2 * p + 1]!;
      const to = users[2 * p + 1]!;
      const sentAt = new Map<string, number>();
      let next = 0;
      const sendOne = () => {
        const reqId = String(next++);
        sentAt.set(reqId, performance.now());
        sender.send(JSON.stringify({ header: { version: PROTOCOL_VERSION, cmd: CmdType.SEND, reqId }, route: { convType: ConvType.SINGLE, msgType: MsgType.TEXT, to }, content: { text: `m${reqId}` }, control: { clientMsgId: `${round}-${reqId}` } }));
      };
      sender.on('message', (data) => {
        const f = JSON.parse(data.toString()) as { header: { cmd: number; reqId?: string } };
        if (f.header.cmd !== CmdType.SEND_ACK) return;
        latencies.push(performance.now() - (sentAt.get(f.header.reqId!) ?? 0));
        acked++;
        if (next < messages) sendOne();
        if (acked === total) ackDoneAt = performance.now();
        if (acked === total && pushed === total) resolve();
      });
      receiver.on('message', (data) => {
        if (!data.toString().includes(PUSH_MARK)) return;
        pushed++;
        if (pushed === total) pushDoneAt = performance.now();
        if (acked === total && pushed === total) resolve();
      });
      for (let i = 0; i < Math.min(window, messages); i++) sendOne();
    }
  });
  for (const ws of sockets) ws.removeAllListeners('message');
  latencies.sort((x, y) => x - y);
  return { seconds: (Math.max(ackDoneAt, pushDoneAt) - started) / 1000, latencies, pushed };
}

interface StoreTotals { count: number; size: number; seconds: number }

/** Store commits summed over the nodes so far (their /metrics; open unless --metrics-token is set). */
async function storeTotals(urls: readonly string[]): Promise<StoreTotals> {
  const totals = { count: 0, size: 0, seconds: 0 };
  for (const url of urls) {
    const metrics = await new ImHttp(url).metrics().catch(() => '');
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
    totals.count += metric('im_store_batch_size_count');
    totals.size += metric('im_store_batch_size_sum');
    totals.seconds += metric('im_store_commit_seconds_sum');
  }
  return totals;
}

/** The commits made since `before`. */
async function storeLine(urls: readonly string[], before: StoreTotals, line: (k: string, v: string) => void): Promise<void> {
  const now = await storeTotals(urls);
  const count = now.count - before.count;
  const size = now.size - before.size;
  const seconds = now.seconds - before.seconds;
  line('store commits', `${count} (avg ${(size / count).toFixed(1)} messages, avg ${((seconds / count) * 1000).toFixed(2)} ms)`);
}

/**
 * One GROUP of `args.group` members spread round-robin over the nodes; the first `args.senders`
 * members each send `args.messages` (window `args.window`); every member counts the PUSHes it
 * gets from the others. The figure is deliveries per second.
 */
async function groupBench(args: Args, urls: readonly string[], run: string, child: ChildProcess | undefined, adminToken: string | undefined): Promise<void> {
  const members = args.group!;
  const senders = Math.min(args.senders, members);
  const http = new ImHttp(urls[0]!);
  const users = Array.from({ length: members }, (_, i) => `${run}g${i}`);
  process.stderr.write(`registering ${users.length} users…\n`);
  const tokens = await registerAll(http, users, adminToken);
  const groupId = `${run}bench-group`;
  const convType = GROUP_TYPES[args.type];
  await http.withToken(tokens[0]!).groupCreate({ groupId, type: convType, name: 'bench', members: users.slice(1) });
  const sockets = await Promise.all(tokens.map((t, i) => open(urls[i % urls.length]!, t, 'bench')));
  const total = senders * args.messages;
  const expected = total * (members - 1);
  let acked = 0;
  let delivered = 0;
  const latencies: number[] = [];
  process.stderr.write(`${senders} senders × ${args.messages} messages to a ${members}-member group over ${urls.length} node(s): ${expected} deliveries…\n`);
  const store0 = await storeTotals(urls);
  const started = performance.now();
  const cpu0 = child ? cpuSeconds(child.pid!) : NaN;
  await new Promise<void>((resolve) => {
    const check = () => {
      if (acked === total && delivered === expected) resolve();
    };
    sockets.forEach((ws) =>
      ws.on('message', (data) => {
        if (data.toString().includes(PUSH_MARK)) {
          delivered++;
          check();
        }
      }),
    );
    for (let s = 0; s < senders; s++) {
      const ws = sockets[s]!;
      const sentAt = new Map<string, number>();
      let next = 0;
      const sendOne = () => {
        const reqId = String(next++);
        sentAt.set(reqId, performance.now());
        ws.send(JSON.stringify({ header: { version: PROTOCOL_VERSION, cmd: CmdType.SEND, reqId }, route: { convType, msgType: MsgType.TEXT, to: groupId }, content: { text: `m${reqId}` } }));
      };
      ws.on('message', (data) => {
        const text = data.toString();
        if (!text.includes(`"cmd":${CmdType.SEND_ACK}`)) return;
        const f = JSON.parse(text) as { header: { reqId?: string } };
        latencies.push(performance.now() - (sentAt.get(f.header.reqId!) ?? 0));
        acked++;
        if (next < args.messages) sendOne();
        check();
      });
      for (let i = 0; i < Math.min(args.window, args.messages); i++) sendOne();
    }
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  const line = (k: string, v: string) => process.stdout.write(`${k.padEnd(26)} ${v}\n`);
  line('messages', `${total} ${args.type === 'mgroup' ? 'MILLION_GROUP' : 'GROUP'} messages, ${members} members over ${urls.length} node(s), ${senders} senders`);
  line('deliveries', `${Math.round(expected / seconds).toLocaleString('en')} PUSHes/s (${expected} in ${seconds.toFixed(1)} s); ${Math.round(total / seconds).toLocaleString('en')} messages/s`);
  line('ack latency p50/p99/max', `${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 99).toFixed(1)} / ${latencies.at(-1)?.toFixed(1)} ms`);
  if (child) line('cpu: server', `${Math.round(((cpuSeconds(child.pid!) - cpu0) / seconds) * 100)}% of one core`);
  await storeLine(urls, store0, line);
  for (const s of sockets) s.terminate();
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exit(1);
});
