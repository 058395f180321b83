import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeKeyboard, FakeTty, loadRunChatUi } from './fake-terminal.js';
import { conversation, FakeSession, message, plain, stateWith, until } from './fake-session.js';

const runChatUi = await loadRunChatUi();

function start(options: { signal?: AbortSignal } = {}) {
  const stdout = new FakeTty();
  const stdin = new FakeKeyboard();
  const AB = 'single:alice:bob';
  const alice = new FakeSession('alice', { state: stateWith('alice', [conversation(AB, { lastActivity: 1 })], { [AB]: [message(1)] }, AB) });
  const onQuit = vi.fn();
  const done = runChatUi([alice], {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    onQuit,
    ...options,
  });
  const ready = async () => {
    await until(() => plain(stdout.output).includes('alice@default'), () => plain(stdout.output));
    await until(() => stdin.listenerCount('readable') > 0, () => 'stdin listener never attached');
  };
  return { stdout, stdin, alice, onQuit, done, ready };
}

const CLEAR = '\u001B[2J';

describe('runChatUi', () => {
  let pending: Promise<void> | undefined;
  afterEach(async () => {
    await pending;
  });

  it('clears and redraws the screen when the terminal is resized', async () => {
    const ui = start();
    pending = ui.done;
    await ui.ready();
    expect(ui.stdout.output).not.toContain(CLEAR);
    ui.stdout.columns = 60;
    ui.stdout.rows = 20;
    ui.stdout.emit('resize');
    await until(() => ui.stdout.output.includes(CLEAR), () => 'no clear after resize');
    // Narrow now: the conversation list became the one-line bar, and the frame was redrawn after the clear.
    const after = () => plain(ui.stdout.output.slice(ui.stdout.output.lastIndexOf(CLEAR)));
    await until(() => after().includes('›[1:1] bob') && after().includes('alice@default'), after);
    const clears = ui.stdout.output.split(CLEAR).length - 1;
    ui.stdout.emit('resize');
    ui.stdin.press('x');
    await until(() => plain(ui.stdout.output).includes('alice> x'), () => plain(ui.stdout.output));
    expect(ui.stdout.output.split(CLEAR).length - 1).toBe(clears);
    ui.stdin.press('\u0003');
    await ui.done;
  });

  it('resolves after Ctrl-C, calling onQuit once', async () => {
    const ui = start();
    pending = ui.done;
    await ui.ready();
    ui.stdin.press('\u0003');
    await ui.done;
    expect(ui.onQuit).toHaveBeenCalledTimes(1);
    expect(ui.alice.submitted).toEqual([]);
  });

  it('resolves when the signal aborts (e.g. /quit), without onQuit', async () => {
    const abort = new AbortController();
    const ui = start({ signal: abort.signal });
    pending = ui.done;
    await ui.ready();
    abort.abort();
    await ui.done;
    expect(ui.onQuit).not.toHaveBeenCalled();
  });
});
