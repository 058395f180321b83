import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImClient } from '../../src/client/index.js';
import { ConvType } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * The real `im chat` in a real pseudo-terminal (tmux), against a real server: keys go in with
 * send-keys, the screen comes back with capture-pane. Polling the screen is how a person waits
 * for it too; every wait has a deadline and reports the screen it last saw.
 */

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) process.stderr.write('test/chat/e2e-tmux.test.ts: skipped, tmux is not installed (.ci/run installs it)\n');

const BIN = resolve(import.meta.dirname, '../../bin/im.js');
const SOCKET = `im-e2e-${process.pid}`;
const SESSION = 'chat';

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION);
const keys = (...k: string[]): void => void tmux('send-keys', '-t', SESSION, ...k);
const type = (text: string): void => void tmux('send-keys', '-t', SESSION, '-l', text);

async function waitForScreen(predicate: (s: string) => boolean, label: string, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${label}; the screen was:\n${last}`);
}

describe.skipIf(!hasTmux)('im chat in a terminal (tmux)', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    server = await startServer({ scryptCost: 1024 });
    // One password for both: the panes log in with IM_PASSWORD.
    for (const u of ['alice', 'bob']) await server.http.register(u, 'pw');
    const [alice, bob] = await Promise.all(['alice', 'bob'].map(async (u) => server.http.withToken((await server.http.login(u, 'pw')).token)));
    await alice?.friendAdd('bob');
    await bob?.friendAdd('alice');
    dir = mkdtempSync(join(tmpdir(), 'im-e2e-'));
  });

  afterAll(async () => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await server?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('alice types a line; bob\'s pane shows it with the same msgId; resize to 80×24 redraws; Ctrl-C quits', async () => {
    // CI=true makes ink render nothing interactive: the child runs with it unset.
    const env = `env -u CI -u NO_COLOR -u FORCE_COLOR IM_PASSWORD=pw TERM=xterm-256color`;
    tmux('new-session', '-d', '-s', SESSION, '-x', '121', '-y', '30', `${env} node ${BIN} chat alice bob --server ${server.httpUrl} --state-dir ${dir}; echo "im exited with $?"; sleep 30`);
    await waitForScreen((s) => (s.match(/online/g) ?? []).length >= 2, 'both panes online');

    type('/dm bob');
    keys('Enter');
    type('hello from tmux 你好');
    keys('Enter');
    await waitForScreen((s) => (s.match(/hello from tmux 你好/g) ?? []).length >= 2, 'the message in both panes');

    // The msgId the server stored, read independently of the UI.
    const probe = await ImClient.login(server.httpUrl, 'bob', 'pw', { deviceId: 'probe' });
    const { content } = await probe.history({ convId: pairConvId(ConvType.SINGLE, 'alice', 'bob') });
    await probe.close();
    const msgId = content.messages.at(-1)?.stamp.msgId ?? 'missing';
    const wide = await waitForScreen((s) => s.includes(`#${msgId}`), `#${msgId} on screen`);
    const lines = wide.split('\n');
    const left = lines.filter((l) => l.slice(0, 60).includes(`#${msgId}`));
    const right = lines.filter((l) => l.slice(61).includes(`#${msgId}`));
    expect(left.length, `alice's pane (left) shows #${msgId}\n${wide}`).toBeGreaterThan(0);
    expect(right.length, `bob's pane (right) shows #${msgId}\n${wide}`).toBeGreaterThan(0);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(121);

    tmux('resize-window', '-t', SESSION, '-x', '80', '-y', '24');
    const narrow = await waitForScreen((s) => s.split('\n').every((l) => stringWidth(l) <= 80) && (s.match(/hello from tmux 你好/g) ?? []).length >= 2, 'the 80×24 redraw');
    expect(narrow.trimEnd().split('\n').length).toBeLessThanOrEqual(24);

    keys('C-c');
    await waitForScreen((s) => s.includes('im exited with 0'), 'the UI to exit with 0');
  });
});
