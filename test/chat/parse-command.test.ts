import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, parseCommand, tokenize } from '../../src/chat/commands/parse-command.js';
import { ConvType } from '../../src/protocol/codes.js';

const command = (line: string) => {
  const r = parseCommand(line);
  if (!r.ok) throw new Error(`expected ${line} to parse, got: ${r.error}`);
  return r.command;
};
const error = (line: string) => {
  const r = parseCommand(line);
  if (r.ok) throw new Error(`expected ${line} to be refused, got ${JSON.stringify(r.command)}`);
  return r.error;
};

describe('parseCommand', () => {
  it('treats a line without a leading slash as text, kept exactly (spaces included)', () => {
    expect(command('  hello  world ')).toEqual({ kind: 'text', text: '  hello  world ' });
    expect(command('中文 😀')).toEqual({ kind: 'text', text: '中文 😀' });
  });

  it('sends //text as /text', () => {
    expect(command('//shrug')).toEqual({ kind: 'text', text: '/shrug' });
  });

  it('understands every command the issue lists', () => {
    expect(command('/dm bob')).toEqual({ kind: 'dm', user: 'bob' });
    expect(command('/stranger bob')).toEqual({ kind: 'stranger', user: 'bob' });
    expect(command('/group create team alice,bob')).toEqual({ kind: 'create', convType: ConvType.GROUP, name: 'team', members: ['alice', 'bob'] });
    expect(command('/group create "the team"')).toEqual({ kind: 'create', convType: ConvType.GROUP, name: 'the team', members: [] });
    expect(command('/channel create news')).toEqual({ kind: 'create', convType: ConvType.CHANNEL, name: 'news', members: [] });
    expect(command('/room create lobby')).toEqual({ kind: 'create', convType: ConvType.CHATROOM, name: 'lobby', members: [] });
    expect(command('/mgroup create big a,b')).toMatchObject({ convType: ConvType.MILLION_GROUP });
    expect(command('/join lobby')).toEqual({ kind: 'join', groupId: 'lobby' });
    expect(command('/friend add bob')).toEqual({ kind: 'friendAdd', user: 'bob' });
    expect(command('/friend remove bob')).toEqual({ kind: 'friendRemove', user: 'bob' });
    expect(command('/friend list')).toEqual({ kind: 'friendList' });
    expect(command('/block bob')).toEqual({ kind: 'block', user: 'bob' });
    expect(command('/unblock bob')).toEqual({ kind: 'unblock', user: 'bob' });
    expect(command('/read')).toEqual({ kind: 'read' });
    expect(command('/history')).toEqual({ kind: 'history', limit: 50 });
    expect(command('/history 10')).toEqual({ kind: 'history', limit: 10 });
    expect(command('/sync')).toEqual({ kind: 'sync' });
    expect(command('/typing')).toEqual({ kind: 'typing' });
    expect(command('/raw')).toEqual({ kind: 'raw' });
    expect(command('/help')).toEqual({ kind: 'help' });
    expect(command('/QUIT')).toEqual({ kind: 'quit' });
  });

  it('refuses malformed commands with their usage', () => {
    expect(error('/dm')).toBe('usage: /dm USER');
    expect(error('/dm bob carol')).toBe('usage: /dm USER');
    expect(error('/group make team')).toBe('usage: /group create NAME [a,b,…]');
    expect(error('/friend hug bob')).toMatch(/^usage: \/friend add USER/);
    expect(error('/history 0')).toMatch(/N from 1 to 500/);
    expect(error('/read now')).toBe('/read takes no arguments');
  });

  it('suggests the nearest command for a typo', () => {
    expect(error('/dmm bob')).toMatch(/unknown command \/dmm \(did you mean \/dm\?\)/);
    expect(error('/hist')).toMatch(/did you mean \/history\?/);
    expect(error('/zzzz')).not.toMatch(/did you mean/);
  });

  it('documents a usage line for every command it accepts', () => {
    const documented = COMMAND_HELP.map((h) => h.usage).join(' ');
    for (const name of ['dm', 'stranger', 'group', 'room', 'channel', 'mgroup', 'join', 'invite', 'leave', 'members', 'friend', 'block', 'unblock', 'read', 'history', 'sync', 'typing', 'raw', 'log', 'help', 'quit']) {
      expect(documented).toContain(`/${name}`);
    }
  });

  it('tokenizes quoted words', () => {
    expect(tokenize('group create "a b" x,y')).toEqual(['group', 'create', 'a b', 'x,y']);
  });
});
