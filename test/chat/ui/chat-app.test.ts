import { cleanup, render } from 'ink-testing-library';
import { createElement } from 'react';
import stringWidth from 'string-width';
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
  ctrlR: '\u0012',
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

  it('80 columns: a short message is one row with its metadata, a blank column before the divider, /help wraps under its column', async () => {
    const short = [message(1, { content: { text: 'hi' } }), message(2, { from: 'alice', content: { text: 'ok 中文' } })];
    const longer = message(3, { content: { text: 'a reply that is too long to share a row with it' } });
    const paneOf = (u: string) => new FakeSession(u, { state: stateWith(u, [conversation(AB, { lastActivity: 9 })], { [AB]: [...short, longer] }, AB) });
    const metaOf = (n: number) => `#${message(n).msgId} · ${n} · ${n + 100}`;

    // stacked, each pane 80 columns wide
    const stacked = renderApp([paneOf('alice'), paneOf('bob')], 80, 24);
    await stacked.waitFor((f) => f.split(metaOf(3)).length === 3);
    const rows = stacked.frame().split('\n');
    for (const [text, n] of [['bob hi', 1], ['alice ok 中文', 2]] as const) {
      const shown = rows.filter((l) => l.includes(text));
      expect(shown, stacked.frame()).toHaveLength(2);
      for (const l of shown) {
        expect(l, `text and metadata on one row\n${stacked.frame()}`).toMatch(new RegExp(`${text} +${metaOf(n)}$`));
        // ink drops trailing blanks: the last column stays empty
        expect(stringWidth(l)).toBe(79);
      }
    }
    // a text that does not fit beside the metadata: the metadata gets a row of its own, still
    // right-aligned (below 100 columns the list is a bar on top, so the timeline has no divider)
    const own = rows.filter((l) => l.includes(metaOf(3)));
    for (const l of own) expect(l).toMatch(new RegExp(`^ +${metaOf(3)}$`));
    cleanup();

    // side by side: the left pane's metadata keeps a blank column before the divider between the panes
    const sideBySide = renderApp([paneOf('alice'), paneOf('bob')], 160, 40);
    await sideBySide.waitFor((f) => f.split(metaOf(1)).length === 3);
    const left = sideBySide.frame().split('\n').filter((l) => l.includes(metaOf(1)));
    expect(left[0], sideBySide.frame()).toMatch(new RegExp(`bob hi +${metaOf(1)} │`));
    expect(sideBySide.frame()).not.toMatch(/\d│/);
    cleanup();

    const help = paneOf('alice');
    help.update({ overlay: { title: 'commands', lines: [`${'/dm USER'.padEnd(28)}  open the one-to-one chat with a friend, checking first that the user exists`] } });
    const overlay = renderApp([help], 80, 24);
    await overlay.waitFor((f) => f.includes('/dm USER'));
    const lines = overlay.frame().split('\n');
    const first = lines.findIndex((l) => l.includes('/dm USER'));
    const column = lines[first]?.indexOf('open') ?? -1;
    // below 100 columns there is no list column: continuation rows start with blanks only
    const wrapped = lines.slice(first + 1).filter((l) => /^ +\S/.test(l) && !l.includes('alice>') && !l.includes('● online'));
    expect(wrapped.length, overlay.frame()).toBeGreaterThan(0);
    for (const l of wrapped) expect(l.search(/\S/), overlay.frame()).toBe(column);
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
    await app.waitFor((f) => f.includes('no conversation — /dm USER to start one, /help'));
    alice.updateState({ conversations: { [AB]: conversation(AB, { lastActivity: 1 }) }, timelines: { [AB]: [message(1)] } });
    await app.waitFor((f) => f.includes('message 1'));
    expect(alice.selected).toEqual([AB]);
  });

  it('an empty pane suggests /dm to the other users signed in, never to its own user', async () => {
    const panes = ['alice', 'bob', 'carol'].map((u) => new FakeSession(u, { state: stateWith(u, []) }));
    const app = renderApp(panes, 80, 40);
    await app.waitFor((f) => f.includes('carol@default'));
    // the timeline's hint (the bar above it says `no conversations — /dm USER`)
    const hints = app.frame().split('\n').filter((l) => l.includes('no conversation —'));
    expect(hints.map((l) => l.replace(/.*no conversation — /, '').trim())).toEqual([
      '/dm bob, /dm carol, /help',
      '/dm alice, /dm carol, /help',
      '/dm alice, /dm bob, /help',
    ]);
    cleanup();
    // one user on two devices: nobody else to suggest
    const devices = ['phone', 'laptop'].map((d) => new FakeSession('alice', { deviceId: d, state: stateWith('alice', []) }));
    const twin = renderApp(devices, 160, 24);
    await twin.waitFor((f) => f.split('no conversation — /dm USER to start one').length === 3);
    expect(twin.frame()).not.toContain('/dm alice');
  });

  it('shows a KICK reason in the status line', async () => {
    const alice = aliceWithChats();
    const app = renderApp([alice]);
    await app.waitFor((f) => f.includes('● online'));
    alice.updateState({ connection: { kind: 'kicked', reason: 'device default connected again' } });
    await app.waitFor((f) => f.includes('✗ kicked (Ctrl-R reconnects): device default connected again'));
    await app.ready();
    app.stdin.write(KEYS.ctrlR);
    await until(() => alice.reconnectCalls === 1, () => 'Ctrl-R did not reach the session');
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
