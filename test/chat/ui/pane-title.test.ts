import { describe, expect, it } from 'vitest';
import { paneTitleText } from '../../../src/chat/ui/PaneTitle.js';
import { displayWidth } from '../../../src/chat/ui/text-width.js';
import { conversation, FakeSession, stateWith } from './fake-session.js';

const N1 = 'http://127.0.0.1:7701';
const N2 = 'http://127.0.0.1:7702';

function view(patch: Partial<FakeSession['view']> = {}, unread = 0) {
  const convs = unread === 0 ? [] : [conversation('single:alice:bob', { unread })];
  return new FakeSession('alice', { state: stateWith('alice', convs), ...patch }).view;
}

describe('pane title', () => {
  it('with one server, shows user@device and the pane number only (as before clusters)', () => {
    const title = paneTitleText(view(), true, 1, 60);
    expect(title.trimEnd()).toBe('▶ alice@default' + ' '.repeat(60 - 15 - 4) + '[1]');
    expect(title).not.toMatch(/node/);
  });

  it('with several nodes, names the one in use: its place in --server and its host', () => {
    const title = paneTitleText(view({ server: N2, nodes: [N1, N2] }, 3), false, 2, 80);
    expect(title).toMatch(/^ {2}alice@default · node 2 \(127\.0\.0\.1:7702\) {2}3 unread +\[2\] $/);
    expect(displayWidth(title)).toBe(80);
  });

  it('shortens the node to "node 2", then drops it, before it cuts the unread count', () => {
    const v = view({ server: N2, nodes: [N1, N2] }, 3);
    expect(paneTitleText(v, true, 2, 40).trimEnd()).toBe('▶ alice@default · node 2  3 unread  [2]');
    expect(paneTitleText(v, true, 2, 30).trimEnd()).toBe('▶ alice@default  3 unread [2]');
    // exactly as wide as the room left: it still keeps a blank before the pane number
    const plain = view({ server: N2, nodes: [N1, N2] });
    expect(paneTitleText(plain, false, 2, 28).trimEnd()).toBe(`  alice@default${' '.repeat(9)}[2]`);
    expect(paneTitleText(plain, false, 2, 29).trimEnd()).toBe('  alice@default · node 2 [2]');
  });
});
