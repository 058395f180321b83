import { cleanup, render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatApp } from '../../../src/chat/ui/ChatApp.js';
import { ConvType } from '../../../src/protocol/codes.js';
import { conversation, FakeSession, frameShape, message, plain, stateWith, until } from './fake-session.js';

// ink-testing-library renders in ink's debug mode, which draws every frame even when CI=true
// (ink's CI mode only writes the last frame on exit), so these tests need no CI override.

const KEYS = {
  enter: '\r',
  tab: '\t',
  shiftTab: '\u001B[Z',
  esc: '\u001B',
  up: '\u001B[A',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  ctrlC: '\u0003',
  ctrlD: '\u0004',
  ctrlN: '\u000E',
  ctrlT: '\u0014',
  altA: '\u001Ba',
};

const AB = 'single:alice:bob';
const MESSAGES = [message(1), message(2, { from: 'alice', content: { text: 'hi bob 中文 👍' } }), message(3)];

function aliceWithChats(patch: Partial<FakeSession['view']> = {}): FakeSession {
  const convs = [
    conversation(AB, { lastActivity: 9, unread: 3, lastMessage: message(3) }),
    conversation('group:team', { convType: ConvType.GROUP, name: '中文 team 👍', lastActivity: 8, unread: 150 }),
    conversation('room:lobby', { convType: ConvType.CHATROOM, lastActivity: 7 }),
  ];
  return new FakeSession('alice', { state: stateWith('alice', convs, { [AB]: MESSAGES }, AB), ...patch });
}

function renderApp(sessions: FakeSession[], columns = 100, rows = 24, onQuit = () => {}) {
  const element = () => createElement(ChatApp, { sessions, columns, rows, onQuit });
  const view = render(element());
  if (columns > 100) {
    // ink-testing-library's stdout reports 100 columns; ink lays the root out at that width.
    Object.defineProperty(view.stdout, 'columns', { get: () => columns });
    view.rerender(element());
  }
  const frame = () => plain(view.lastFrame());
  return {
    ...view,
    frame,
    /** Resolves once the frame satisfies `check` (polls; fails with the last frame after a deadline). */
    waitFor: (check: (frame: string) => boolean) => until(() => check(frame()), frame),
    /** ink attaches its stdin listener in an effect: keys written before that are lost. */
    ready: () => until(() => view.stdin.listenerCount('readable') > 0, () => 'stdin listener never attached'),
  };
}

afterEach(() => cleanup());

describe('ChatApp', () => {
  it('lists conversations with tags and unread counts capped at 99+', async () => {
    const app = renderApp([aliceWithChats()]);
    await app.waitFor((f) => f.includes('(3)'));
    expect(app.frame()).toContain('(99+)');
    expect(app.frame()).toMatch(/›\[1:1\] +bob/);
    expect(app.frame()).toContain('[grp]');
    expect(app.frame()).toContain('[room]');
  });

  it('shows #msgId · seq · pts on timeline lines, and Ctrl-T hides them', async () => {
    const app = renderApp([aliceWithChats()]);
    const meta = `#${MESSAGES[0]?.msgId} · 1 · 101`;
    await app.waitFor((f) => f.includes(meta));
    await app.ready();
    app.stdin.write(KEYS.ctrlT);
    await app.waitFor((f) => !f.includes('#385'));
    expect(app.frame()).toContain('message 1');
    app.stdin.write(KEYS.ctrlT);
    await app.waitFor((f) => f.includes(meta));
  });

  it('puts the metadata on the message row in a wide pane', async () => {
    const app = renderApp([aliceWithChats()], 140, 30);
    await app.waitFor((f) => f.includes('message 3'));
    const row = app.frame().split('\n').find((l) => l.includes('bob message 3')) ?? '';
    expect(row).toContain(`#${MESSAGES[2]?.msgId} · 3 · 103`);
  });

  it('keys that arrive in one chunk each act (Tab Tab, then text): none is lost', async () => {
    const panes = [aliceWithChats(), new FakeSession('bob'), new FakeSession('carol')];
    const app = renderApp(panes, 120, 30);
    await app.waitFor((f) => f.includes('▶ alice@default'));
    await app.ready();
    app.stdin.write('\t\thi');
    await app.waitFor((f) => f.includes('▶ carol@default') && f.includes('carol> hi'));
  });

  it('Tab and Shift-Tab move the focus, and keys go to the focused pane', async () => {
    const alice = aliceWithChats();
    const bob = new FakeSession('bob');
    const app = renderApp([alice, bob], 80, 24);
    await app.waitFor((f) => f.includes('▶ alice@default'));
    await app.ready();
    app.stdin.write(KEYS.tab);
    await app.waitFor((f) => f.includes('▶ bob@default') && !f.includes('▶ alice'));
    app.stdin.write('x');
    await app.waitFor((f) => f.includes('bob> x'));
    expect(app.frame()).toMatch(/alice> *\n/);
    app.stdin.write(KEYS.shiftTab);
    await app.waitFor((f) => f.includes('▶ alice@default'));
  });

  it('submits typed text on Enter and tells the session the user is typing', async () => {
    const alice = aliceWithChats();
    const app = renderApp([alice]);
    await app.ready();
    for (const ch of 'hi there') app.stdin.write(ch);
    await app.waitFor((f) => f.includes('alice> hi there'));
    expect(alice.typingCalls).toBeGreaterThan(0);
    app.stdin.write(KEYS.enter);
    await until(() => alice.submitted.length === 1, () => JSON.stringify(alice.submitted));
    expect(alice.submitted).toEqual([{ line: 'hi there', selectedMsgId: null }]);
    await app.waitFor((f) => /alice> _?\s*\n/.test(f));
  });

  it('submits each line of a pasted chunk', async () => {
    const alice = aliceWithChats();
    const app = renderApp([alice]);
    await app.ready();
    app.stdin.write('first line\rsecond line\rrest');
    await until(() => alice.submitted.length === 2, () => JSON.stringify(alice.submitted));
    expect(alice.submitted.map((s) => s.line)).toEqual(['first line', 'second line']);
    await app.waitFor((f) => f.includes('alice> rest'));
  });

  it('selects a conversation by itself when the first one appears', async () => {
    const alice = new FakeSession('alice', { state: stateWith('alice', []) });
    const app = renderApp([alice]);
    await app.waitFor((f) => f.includes('no conversation — /dm bob, /help'));
    alice.updateState({ conversations: { [AB]: conversation(AB, { lastActivity: 1 }) }, timelines: { [AB]: [message(1)] } });
    await app.waitFor((f) => f.includes('message 1'));
    expect(alice.selected).toEqual([AB]);
  });

  it('shows a KICK reason in the status line', async () => {
    const alice = aliceWithChats();
    const app = renderApp([alice]);
    await app.waitFor((f) => f.includes('● online'));
    alice.updateState({ connection: { kind: 'kicked', reason: 'device default connected again' } });
    await app.waitFor((f) => f.includes('✗ kicked: device default connected again'));
    alice.updateState({ connection: { kind: 'reconnecting', attempt: 2, nextInMs: 1500 } });
    await app.waitFor((f) => f.includes('reconnecting in 2s (attempt 2)'));
  });

  it('shows an error notice with its code name, the gap notice and typing peers', async () => {
    const alice = aliceWithChats({ notice: { id: 1, level: 'error', text: 'NOT_FRIENDS (3001): alice and bob are not friends', at: 0 } });
    const app = renderApp([alice]);
    await app.waitFor((f) => f.includes('✗ NOT_FRIENDS (3001): alice and bob are not friends'));
    alice.update({ typing: { [AB]: ['bob'] }, state: { ...alice.view.state, gapFilled: { from: 5, to: 9, messages: 3 }, pts: 12, rttMs: 4 } });
    await app.waitFor((f) => f.includes('gap filled pts 5–9 (3 msgs)') && f.includes('bob is typing…'));
    expect(app.frame()).toContain('pts 12 · rtt 4ms');
  });

  it('PgUp at the top of what is loaded asks for older history', async () => {
    const alice = aliceWithChats();
    alice.updateState({ conversations: { ...alice.view.state.conversations, [AB]: conversation(AB, { lastActivity: 9, hasMoreHistory: true }) } });
    const app = renderApp([alice]);
    await app.ready();
    app.stdin.write(KEYS.pageUp);
    await until(() => alice.loadOlderCalls.length === 1, () => JSON.stringify(alice.loadOlderCalls));
    expect(alice.loadOlderCalls).toEqual([AB]);
  });

  it('a view scrolled up stays put when new messages arrive, and follows again after PgDn', async () => {
    const many = Array.from({ length: 30 }, (_, i) => message(i + 1));
    const alice = new FakeSession('alice', { state: stateWith('alice', [conversation(AB, { lastActivity: 9 })], { [AB]: many }, AB) });
    const app = renderApp([alice]);
    await app.waitFor((f) => f.includes('message 30'));
    await app.ready();
    app.stdin.write(KEYS.pageUp);
    await app.waitFor((f) => !f.includes('message 30'));
    const shown = (f: string) => f.split('\n').filter((l) => /message \d+/.test(l));
    const before = shown(app.frame());
    // The typing indicator comes in the same view, so seeing it means the new rows were rendered.
    alice.update({ typing: { [AB]: ['bob'] }, state: { ...alice.view.state, timelines: { [AB]: [...many, message(31), message(32)] } } });
    await app.waitFor((f) => f.includes('bob is typing…'));
    expect(shown(app.frame())).toEqual(before);
    app.stdin.write(KEYS.pageDown);
    app.stdin.write(KEYS.pageDown);
    await app.waitFor((f) => f.includes('message 32'));
  });

  it('↑ puts the cursor on a message, which a command receives; Esc lets go', async () => {
    const alice = aliceWithChats();
    const app = renderApp([alice]);
    await app.ready();
    app.stdin.write(KEYS.up);
    await app.waitFor((f) => /›\d\d:\d\d:\d\d +bob message 3/.test(f));
    for (const ch of '/raw') app.stdin.write(ch);
    app.stdin.write(KEYS.enter);
    await until(() => alice.submitted.length === 1, () => JSON.stringify(alice.submitted));
    expect(alice.submitted[0]).toEqual({ line: '/raw', selectedMsgId: MESSAGES[2]?.msgId });
    app.stdin.write(KEYS.esc);
    await app.waitFor((f) => !f.includes('›09') && !/›\d\d:/.test(f));
  });

  it('shows an overlay in place of the timeline, Esc closes it', async () => {
    const alice = aliceWithChats({ overlay: { title: 'commands (Esc closes)', lines: ['/dm USER  open a chat', '/help  this list'] } });
    const app = renderApp([alice]);
    await app.waitFor((f) => f.includes('commands (Esc closes)') && f.includes('/dm USER  open a chat'));
    expect(app.frame()).not.toContain('message 1');
    await app.ready();
    app.stdin.write(KEYS.esc);
    await app.waitFor((f) => f.includes('message 1'));
    expect(alice.dismissCalls).toBe(1);
  });

  it('Ctrl-N and Alt-A change the conversation', async () => {
    const alice = aliceWithChats();
    const app = renderApp([alice]);
    await app.ready();
    app.stdin.write(KEYS.ctrlN);
    await until(() => alice.selected.length === 1, () => JSON.stringify(alice.selected));
    expect(alice.selected).toEqual(['group:team']);
    app.stdin.write(KEYS.ctrlN);
    await until(() => alice.selected.length === 2, () => JSON.stringify(alice.selected));
    app.stdin.write(KEYS.altA);
    await until(() => alice.selected.length === 3, () => JSON.stringify(alice.selected));
    expect(alice.selected).toEqual(['group:team', 'room:lobby', AB]);
  });

  it('quits on Ctrl-C, and on Ctrl-D only when the input line is empty', async () => {
    const onQuit = vi.fn();
    const app = renderApp([aliceWithChats()], 100, 24, onQuit);
    await app.ready();
    app.stdin.write('x');
    app.stdin.write(KEYS.ctrlD);
    await app.waitFor((f) => f.includes('alice> x'));
    expect(onQuit).not.toHaveBeenCalled();
    app.stdin.write('\u007F');
    // The cursor cell is `_` without colours and an inverted space with them.
    await app.waitFor((f) => /^alice> _? *$/m.test(f));
    app.stdin.write(KEYS.ctrlD);
    await until(() => onQuit.mock.calls.length === 1, () => 'Ctrl-D did not quit');
    app.stdin.write('typed');
    app.stdin.write(KEYS.ctrlC);
    await until(() => onQuit.mock.calls.length === 2, () => 'Ctrl-C did not quit');
  });

  it.each([
    [80, 24, 1],
    [80, 24, 2],
    [80, 24, 3],
    [100, 30, 2],
    [40, 10, 1],
    [60, 6, 2],
    [140, 40, 1],
    [200, 50, 3],
  ])('draws exactly %i columns × (%i − 1) rows with %i pane(s)', async (columns, rows, count) => {
    const sessions = Array.from({ length: count }, (_, i) =>
      i === 0
        ? aliceWithChats({ notice: { id: 1, level: 'info', text: '中文 notice 👍 '.repeat(10), at: 0 }, typing: { [AB]: ['bob', '中文'] } })
        : new FakeSession(`user${i}`),
    );
    const app = renderApp(sessions, columns, rows);
    await app.waitFor((f) => f.includes('alice'));
    await app.ready();
    for (const ch of 'a very long input line 中文字符 👍 that scrolls sideways past the edge of any pane') app.stdin.write(ch);
    await app.waitFor((f) => f.includes('edge') || f.includes('pane'));
    const shape = frameShape(app.lastFrame() ?? '');
    expect(shape.lines).toBe(rows - 1);
    expect(shape.widest).toBeLessThanOrEqual(columns);
  });
});
