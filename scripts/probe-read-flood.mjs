// Probe: one user keeps 32 HISTORY(limit 500) in flight; another user's PING RTT meanwhile.
// usage: npm run build && node scripts/probe-read-flood.mjs [repo-dir, default .]
// Prints the other user's PING p50/p99 in ms and how many HISTORY pages were answered or refused (1003).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
const repo = (await import("node:path")).resolve(process.argv[2] ?? ".");
const require = createRequire(repo + '/package.json');
const WebSocket = require('ws');
const child = spawn(process.execPath, [repo + '/bin/im.js', 'serve', '--db', ':memory:', '--port', '0', '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((res) => { let out = ''; child.stdout.on('data', (d) => { out += d; const m = /im listening on (http:\/\/\S+)/.exec(out); if (m) res(m[1]); }); });
const api = async (path, body, token) => (await (await fetch(base + '/openapi/v1' + path, { method: 'POST', headers: token ? { authorization: 'Bearer ' + token } : {}, body: JSON.stringify(body) })).json());
const tok = {};
for (const u of ['alice', 'bob']) { await api('/user/register', { userId: u, password: 'pw-' + u }); tok[u] = (await api('/user/login', { userId: u, password: 'pw-' + u })).data.token; }
await api('/friend/add', { userId: 'bob' }, tok.alice); await api('/friend/add', { userId: 'alice' }, tok.bob);
const open = (u) => new Promise((res) => { const ws = new WebSocket(base.replace('http', 'ws') + '/ws?token=' + tok[u]); ws.on('open', () => res(ws)); });
const alice = await open('alice'); const bob = await open('bob');
let n = 0; const acks = new Promise((res) => alice.on('message', function onm(d) { if (JSON.parse(d).header.cmd === 11 && ++n === 500) { alice.off('message', onm); res(); } }));
for (let i = 0; i < 500; i++) alice.send(JSON.stringify({ header: { cmd: 10, reqId: 's' + i }, route: { convType: 1, msgType: 1, to: 'bob' }, content: { text: 'x'.repeat(200) + i } }));
await acks;
let ok = 0, limited = 0, stop = false;
const hist = () => alice.send(JSON.stringify({ header: { cmd: 50, reqId: 'h' }, content: { convId: 'single:alice:bob', limit: 500 } }));
alice.on('message', (d) => { const f = JSON.parse(d); if (f.header.cmd === 51) ok++; else if (f.header.cmd === 99) limited++; if (!stop) hist(); });
for (let i = 0; i < 32; i++) hist();
const rtts = []; let sent = 0;
bob.on('message', (d) => { const f = JSON.parse(d); if (f.header.cmd === 2) rtts.push(performance.now() - Number(f.header.reqId)); });
const t0 = performance.now();
while (performance.now() - t0 < 5000) { bob.send(JSON.stringify({ header: { cmd: 1, reqId: String(performance.now()) }, content: {} })); sent++; await new Promise((r) => setTimeout(r, 10)); }
stop = true; await new Promise((r) => setTimeout(r, 500));
rtts.sort((a, b) => a - b);
const q = (p) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))].toFixed(1);
console.log(JSON.stringify({ repo, pings: rtts.length, p50: q(0.5), p99: q(0.99), historyAnswered: ok, historyLimited: limited }));
child.kill(); process.exit(0);
