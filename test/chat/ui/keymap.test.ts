import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { KEY_HELP, keyAction, keyHelpLines } from '../../../src/chat/ui/keymap.js';
import { INITIAL_PANE_UI, paneStep, revealScroll, type PaneContext } from '../../../src/chat/ui/pane-controller.js';
import type { TimelineRow } from '../../../src/chat/ui/timeline-rows.js';
import { conversation, stateWith } from './fake-session.js';

const empty = { inputEmpty: true };
const typed = { inputEmpty: false };
const act = (input: string, key: Partial<Key>, ctx = empty) => keyAction(input, key, ctx);

describe('keymap', () => {
  it('maps the bindings', () => {
    expect(act('c', { ctrl: true }, typed)).toBe('quit');
    expect(act('d', { ctrl: true })).toBe('quit');
    expect(act('d', { ctrl: true }, typed)).toBe('edit');
    expect(act('', { tab: true })).toBe('focusNext');
    expect(act('', { tab: true, shift: true })).toBe('focusPrevious');
    expect(act('n', { ctrl: true })).toBe('nextConversation');
    expect(act('p', { ctrl: true })).toBe('previousConversation');
    expect(act('', { downArrow: true, meta: true })).toBe('nextConversation');
    expect(act('', { upArrow: true, meta: true })).toBe('previousConversation');
    expect(act('a', { meta: true })).toBe('nextUnread');
    expect(act('x', { ctrl: true })).toBe('nextUnread');
    expect(act('', { pageUp: true })).toBe('pageUp');
    expect(act('', { pageDown: true })).toBe('pageDown');
    expect(act('', { upArrow: true })).toBe('cursorUp');
    expect(act('', { downArrow: true })).toBe('cursorDown');
    expect(act('', { upArrow: true }, typed)).toBe('edit');
    expect(act('', { escape: true, meta: true })).toBe('escape');
    expect(act('t', { ctrl: true })).toBe('toggleMeta');
    expect(act('r', { ctrl: true }, typed)).toBe('reconnect');
    expect(act('a', {})).toBe('edit');
    expect(act('a', { ctrl: true })).toBe('edit');
  });

  it('documents every binding for /help', () => {
    expect(KEY_HELP.length).toBeGreaterThan(8);
    for (const k of KEY_HELP) expect(k.keys.length).toBeLessThanOrEqual(22);
    expect(keyHelpLines().join('\n')).toMatch(/Ctrl-T/);
  });
});

describe('pane controller', () => {
  const convs = [conversation('a', { lastActivity: 3, hasMoreHistory: true }), conversation('b', { lastActivity: 2, unread: 2 }), conversation('c', { lastActivity: 1 })];
  const rows: TimelineRow[] = ['m1', 'm1', 'm2', 'm3', 'm3', 'm4', 'm5', 'm6'].map((msgId) => ({ msgId, text: msgId }));
  const ctx = (selected: string | null = 'a', overlayRows: number | null = null): PaneContext => ({
    state: stateWith('alice', convs, {}, selected),
    rows,
    height: 4,
    overlayRows,
  });

  it('walks the conversation list and jumps to unread', () => {
    expect(paneStep(INITIAL_PANE_UI, 'nextConversation', '', {}, ctx()).effects).toEqual([{ kind: 'select', convId: 'b' }]);
    expect(paneStep(INITIAL_PANE_UI, 'previousConversation', '', {}, ctx()).effects).toEqual([{ kind: 'select', convId: 'c' }]);
    expect(paneStep(INITIAL_PANE_UI, 'nextUnread', '', {}, ctx()).effects).toEqual([{ kind: 'select', convId: 'b' }]);
    expect(paneStep(INITIAL_PANE_UI, 'nextUnread', '', {}, ctx('b')).effects).toEqual([]);
  });

  it('pages up, and asks for older history at the top', () => {
    const one = paneStep(INITIAL_PANE_UI, 'pageUp', '', {}, ctx());
    expect(one.ui.scroll).toBe(3);
    expect(one.effects).toEqual([]);
    const two = paneStep(one.ui, 'pageUp', '', {}, ctx());
    expect(two.ui.scroll).toBe(4);
    expect(two.effects).toEqual([{ kind: 'loadOlder', convId: 'a' }]);
    expect(paneStep(two.ui, 'pageDown', '', {}, ctx()).ui.scroll).toBe(1);
  });

  it('moves the message cursor and keeps it in view', () => {
    let ui = paneStep(INITIAL_PANE_UI, 'cursorUp', '', {}, ctx()).ui;
    expect(ui.cursor).toBe('m6');
    for (let i = 0; i < 3; i++) ui = paneStep(ui, 'cursorUp', '', {}, ctx()).ui;
    expect(ui.cursor).toBe('m3');
    // m3 is rows 3–4 of 8: one row of scroll shows rows 3–6.
    expect(ui.scroll).toBe(1);
    ui = paneStep(ui, 'cursorDown', '', {}, ctx()).ui;
    expect(ui.cursor).toBe('m4');
    expect(paneStep(ui, 'escape', '', {}, ctx()).ui).toMatchObject({ cursor: null, scroll: 0 });
    expect(revealScroll(rows, 4, 0, 'm1')).toBe(4);
  });

  it('submits with the selected message and signals typing', () => {
    const ui = { ...INITIAL_PANE_UI, cursor: 'm2' };
    const step = paneStep(ui, 'edit', '/raw\r', {}, ctx());
    expect(step.effects).toEqual([{ kind: 'submit', line: '/raw', selectedMsgId: 'm2' }]);
    expect(step.ui.cursor).toBe('m2');
    expect(paneStep(ui, 'edit', 'h', {}, ctx()).effects).toEqual([{ kind: 'typing' }]);
    expect(paneStep(ui, 'edit', '/', {}, ctx()).effects).toEqual([]);
    expect(paneStep(ui, 'edit', 'h', {}, ctx(null)).effects).toEqual([]);
  });

  it('scrolls and closes an overlay', () => {
    const c = ctx('a', 10);
    const ui = paneStep(INITIAL_PANE_UI, 'pageDown', '', {}, c).ui;
    expect(ui.overlayScroll).toBe(3);
    expect(paneStep(ui, 'escape', '', {}, c).effects).toEqual([{ kind: 'dismissOverlay' }]);
  });
});
