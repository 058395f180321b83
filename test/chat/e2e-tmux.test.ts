import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImClient } from '../../src/client/index.js';
import { ConvType } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { runIm } from '../helpers/cli.js';
import { PG_URL, REDIS_URL, createTestDatabase } from '../helpers/cluster-services.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TmuxTerminal, hasTmux } from '../helpers/tmux.js';

/** The real `im chat` in a pseudo-terminal (tmux) against a real server, driven by keys. */

if (!hasTmux) process.stderr.write('test/chat/e2e-tmux.test.ts: skipped, tmux is not installed (.ci/run installs it)\n');

const BIN = resolve(import.meta.dirname, '../../bin/im.js');
// The child runs with CI unset (chalk turns colour off when CI is set, and the NO_COLOR test needs
// colour to be on by default) and with no colour overrides; a test of its own sets CI=true.
const ENV = 'env -u CI -u CONTINUOUS_INTEGRATION -u NO_COLOR -u FORCE_COLOR -u IM_PASSWORD TERM=xterm-256color';
const count = (s: string, text: string) => s.split(text).length - 1;

describe.skipIf(!hasTmux)('im chat in a terminal (tmux)', () => {
  let server: TestServer;
  let dir: string;
  let term: TmuxTerminal | undefined;

  beforeAll(async () => {
    server = await startServer({ scryptCost: 1024 });
    await aliceAndBob(server);
    dir = mkdtempSync(join(tmpdir(), 'im-e2e-'));
  });

  afterEach(() => term?.kill());

  afterAll(async () => {
    await server?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("alice types a line; bob's pane shows it with the same msgId; 80×24 redraws stacked; Ctrl-C exits 0", async () => {
    term = TmuxTerminal.start('panes', `${ENV} IM_PASSWORD=pw node ${BIN} chat alice bob --server ${server.httpUrl} --state-dir ${dir}`, 121, 30);
    await term.waitFor((s) => count(s, 'online') >= 2, 'both panes online');

    term.type('/dm bob');
    term.keys('Enter');
    term.type('hi');
    term.keys('Enter');
    term.type('hello from tmux 你好');
    term.keys('Enter');
    await term.waitFor((s) => count(s, 'hello from tmux 你好') >= 2, 'the message in both panes');

    // The msgId the server stored, read independently of the UI.
    const probe = await ImClient.login(server.httpUrl, 'bob', 'pw', { deviceId: 'probe' });
    const { content } = await probe.history({ convId: pairConvId(ConvType.SINGLE, 'alice', 'bob') });
    await probe.close();
    const msgId = content.messages.at(-1)?.stamp.msgId ?? 'missing';
    // Alice's line gets its msgId from her SEND_ACK, bob's from his PUSH: two sockets, either first.
    const inLeft = (s: string) => s.split('\n').some((l) => l.slice(0, 60).includes(`#${msgId}`));
    const inRight = (s: string) => s.split('\n').some((l) => l.slice(61).includes(`#${msgId}`));
    const wide = await term.waitFor((s) => inLeft(s) && inRight(s), `#${msgId} in alice's pane (left) and bob's (right)`);
    const lines = wide.trimEnd().split('\n');
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(121);
    // the left pane's metadata ends one blank column before the divider between the panes
    expect(wide).toMatch(/ · \d+ │/);
    expect(wide).not.toMatch(/\d│/);

    term.resize(80, 24);
    const narrow = await term.waitFor(
      (s) => s.split('\n').every((l) => stringWidth(l) <= 80) && count(s, 'hello from tmux 你好') >= 2,
      'the 80×24 redraw',
    );
    expect(narrow.trimEnd().split('\n').length).toBeLessThanOrEqual(24);
    // 80 columns: a short message and its metadata share one row, in both panes
    expect(narrow.split('\n').filter((l) => / alice hi +#\d+ · 1 · \d+ *$/.test(l)), narrow).toHaveLength(2);

    term.keys('C-c');
    await term.waitFor((s) => s.includes('exited with 0'), 'exit status 0');
  });

  it('draws with CI=true in its environment (ink alone would leave the screen blank)', async () => {
    term = TmuxTerminal.start('ci', `${ENV} CI=true node ${BIN} chat alice bob --embedded`, 100, 24);
    await term.waitFor((s) => count(s, 'online') >= 2 && s.includes('/dm bob'), 'both panes drawn and online');
    term.keys('C-c');
    await term.waitFor((s) => s.includes('exited with 0'), 'exit status 0');
  });

  it('Ctrl-D at the password prompt cancels with one line and a non-zero exit', async () => {
    term = TmuxTerminal.start('prompt-eof', `${ENV} node ${BIN} chat alice --server ${server.httpUrl} --state-dir ${dir}`, 100, 20);
    await term.waitFor((s) => s.includes('password for alice:'), 'the prompt');
    term.type('ab');
    term.keys('C-d');
    const screen = await term.waitFor((s) => s.includes('exited with 1'), 'exit status 1');
    expect(screen).toMatch(/password for alice: \*\*\nim: error: cancelled \(Ctrl-D\): no password given\nexited with 1/);
  });

  it('asks for the password without echoing it, and says in one line when it is wrong', async () => {
    term = TmuxTerminal.start('prompt', `${ENV} node ${BIN} chat alice --server ${server.httpUrl} --state-dir ${dir}`, 100, 20);
    await term.waitFor((s) => s.includes('password for alice:'), 'the prompt');
    term.type('nope');
    const masked = await term.waitFor((s) => s.includes('password for alice: ****'), 'four stars');
    expect(masked).not.toContain('nope');
    term.keys('Enter');
    const failed = await term.waitFor((s) => s.includes('exited with 1'), 'exit status 1');
    expect(failed).toMatch(/im: error: alice@default could not sign in: [A-Z_]+ \(20\d\d\)/);
  });

  it('--record writes a scenario that im scenario run replays green; NO_COLOR leaves no colour on screen', async () => {
    const file = join(dir, 'session.yaml');
    term = TmuxTerminal.start('record', `${ENV} NO_COLOR=1 node ${BIN} chat alice bob --embedded --record ${file}`, 121, 30);
    await term.waitFor((s) => count(s, 'online') >= 2, 'both panes online');
    term.type('/dm bob');
    term.keys('Enter');
    term.type('recorded hello\r');
    await term.waitFor((s) => count(s, 'recorded hello') >= 2, 'the message in both panes');
    term.keys('Tab');
    // a paste: two lines in one chunk, each sent
    term.type('reply one\rreply two\r');
    await term.waitFor((s) => count(s, 'reply two') >= 2 && count(s, 'reply one') >= 2, 'both pasted lines in both panes');
    // SGR colour parameters (30–37, 38;…, 40–47, 90–97): none with NO_COLOR
    expect(term.screen(true)).not.toMatch(/\u001b\[[0-9;]*(?:3[0-8]|4[0-8]|9[0-7])(?:;[0-9;]*)?m/);
    term.keys('C-c');
    await term.waitFor((s) => s.includes('exited with 0'), 'exit status 0');

    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toMatch(/send: \{ from: alice, to: bob, text: recorded hello \}/);
    expect(yaml).not.toMatch(/password/i);
    const replay = await runIm(['scenario', 'run', file]);
    expect(replay.code, `${replay.stdout}${replay.stderr}\n--- the recorded file ---\n${yaml}`).toBe(0);
  });
});

/** Registers alice and bob (password `pw`) on `server` and makes them friends. */
async function aliceAndBob(server: TestServer): Promise<void> {
  for (const u of ['alice', 'bob']) await server.http.register(u, 'pw');
  const [alice, bob] = await Promise.all(['alice', 'bob'].map(async (u) => server.http.withToken((await server.http.login(u, 'pw')).token)));
  await alice?.friendAdd('bob');
  await bob?.friendAdd('alice');
}

describe.skipIf(!hasTmux || !PG_URL || !REDIS_URL)('im chat --server URL1,URL2 on two nodes (tmux, PostgreSQL + Redis)', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('puts alice on node 1 and bob on node 2, names the node in each title, delivers across them, and --record still writes', async () => {
    const db = await createTestDatabase(PG_URL!);
    cleanups.push(() => db.drop());
    const nodes: TestServer[] = [];
    for (const nodeId of [1, 2]) {
      const server = await startServer({ db: db.url, busUrl: REDIS_URL, nodeId, scryptCost: 1024 });
      cleanups.push(() => server.close());
      nodes.push(server);
    }
    await aliceAndBob(nodes[0]!);
    const dir = mkdtempSync(join(tmpdir(), 'im-e2e-nodes-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'cluster.yaml');
    const [n1, n2] = nodes.map((n) => n.httpUrl);
    const term = TmuxTerminal.start('nodes', `${ENV} IM_PASSWORD=pw node ${BIN} chat alice bob --server ${n1},${n2} --state-dir ${dir} --record ${file}`, 121, 30);
    cleanups.push(() => term.kill());

    const host = (url = '') => new URL(url).host;
    await term.waitFor(
      (s) => count(s, 'online') >= 2 && s.includes(`alice@default · node 1 (${host(n1)})`) && s.includes(`bob@default · node 2 (${host(n2)})`),
      'both panes online, each title naming its node',
    );
    term.type('/dm bob');
    term.keys('Enter');
    term.type('across the cluster\r');
    await term.waitFor((s) => count(s, 'across the cluster') >= 2, 'the message in both panes');
    term.keys('C-c');
    await term.waitFor((s) => s.includes('exited with 0'), 'exit status 0');
    expect(readFileSync(file, 'utf8')).toMatch(/send: \{ from: alice, to: bob, text: across the cluster \}/);
  });
});
