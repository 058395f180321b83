import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedServer } from '../../src/chat/embedded-server.js';
import { ChatSession } from '../../src/chat/session/chat-session.js';
import { ImClient } from '../../src/client/index.js';
import { ConvType, MsgType } from '../../src/protocol/codes.js';
import { until } from './ui/fake-session.js';
import { FakeKeyboard, FakeTty, loadRunChatUi } from './ui/fake-terminal.js';

const runChatUi = await loadRunChatUi();

const CLEAR_SCREEN = '\u001B[2J';
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Under load the UI may take a while to catch up: the waits get 15 s, not fake-session's 3 s. */
const LOADED_MS = 15_000;

describe('the chat UI with real sessions under a stream of messages', () => {
  it('50 messages/s into a pane: every one shown, and the screen is never cleared (no flicker)', async () => {
    const { server } = await startEmbeddedServer(['alice', 'bob'], 'pw');
    cleanup.push(() => server.close());
    const sessions = await Promise.all(['alice', 'bob'].map((userId) => ChatSession.start({ server: server.httpUrl, userId, password: 'pw' })));
    for (const s of sessions) cleanup.push(() => s.close());
    const stdout = new FakeTty();
    stdout.columns = 80;
    stdout.rows = 24;
    const quit = new AbortController();
    const ui = runChatUi(sessions, { stdout: stdout as unknown as NodeJS.WriteStream, stdin: new FakeKeyboard() as unknown as NodeJS.ReadStream, signal: quit.signal });
    cleanup.push(async () => {
      quit.abort();
      await ui;
    });
    await until(() => stripVTControlCharacters(stdout.output).includes('bob@default'), () => 'the first frame', LOADED_MS);
    const firstFrameAt = stdout.writes.length;

    // A second device of alice's, so the panes only receive (as from a busy peer).
    const sender = await ImClient.login(server.httpUrl, 'alice', 'pw', { deviceId: 'bot' });
    cleanup.push(() => sender.close());
    const total = 100;
    let sent = 0;
    await new Promise<void>((resolve, reject) => {
      // Load shape, not synchronisation: one message every 20 ms is 50 messages/s.
      const timer = setInterval(() => {
        const n = ++sent;
        sender.send({ convType: ConvType.SINGLE, msgType: MsgType.TEXT, to: 'bob', content: { text: `burst 中文 ${n}` } }).catch(reject);
        if (n === total) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    const bob = sessions[1]!;
    await until(() => (bob.view.state.timelines['single:alice:bob']?.length ?? 0) === total, () => `bob has ${bob.view.state.timelines['single:alice:bob']?.length ?? 0} of ${total}`, LOADED_MS);
    await until(() => stripVTControlCharacters(stdout.writes.slice(-1).join('')).includes(`burst 中文 ${total}`), () => 'the last message on screen', LOADED_MS);

    const after = stdout.writes.slice(firstFrameAt).join('');
    expect(after.includes(CLEAR_SCREEN), 'ink cleared the whole screen during the stream').toBe(false);
    // Every frame fits the terminal: ink redraws by erasing the previous frame's lines only.
    for (const line of stripVTControlCharacters(stdout.writes.at(-1) ?? '').split('\n')) {
      expect(line.length).toBeLessThanOrEqual(80);
    }
    expect(bob.view.state.timelines['single:alice:bob']?.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });
});
