import { describe, expect, it } from 'vitest';
import { parseServerList } from '../../src/cli/services/chat.js';
import { runIm } from '../helpers/cli.js';

/** What `im chat` says before it takes over the screen; the interactive part is test/chat/e2e-tmux.test.ts. */
describe('im chat (command line)', () => {
  it('shows help with the keys and examples', async () => {
    const { code, stdout } = await runIm(['chat', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Examples:\n\s+\$ im chat alice bob --embedded/);
    expect(stdout).toMatch(/--record <file\.yaml>/);
    expect(stdout).toMatch(/Ctrl-T metadata/);
    expect(stdout).toMatch(/\$ im chat alice bob --server http:\/\/127\.0\.0\.1:7701,http:\/\/127\.0\.0\.1:7702 /);
  });

  it('parses --server URL1,URL2 into the nodes in the order given; one URL is a list of one', () => {
    expect(parseServerList('http://127.0.0.1:7700')).toEqual(['http://127.0.0.1:7700']);
    expect(parseServerList('http://a:7701, https://b:7702')).toEqual(['http://a:7701', 'https://b:7702']);
    expect(() => parseServerList('http://a:7701,')).toThrow(/--server must be a URL like http:\/\/127\.0\.0\.1:7700, got ""/);
    expect(() => parseServerList('http://a:7701,nope')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('"nope"') }));
  });

  it('refuses a malformed user with one line and exit 2 (usage)', async () => {
    const { code, stderr } = await runIm(['chat', 'al ice']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(['im: error: "al ice" is not a user: write alice or alice@phone (letters, digits, _ . -)']);
  });

  it('refuses the same user@device twice (the second would KICK the first)', async () => {
    const { code, stderr } = await runIm(['chat', 'alice', 'alice@default', '--embedded']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/alice@default is given twice/);
  });

  it('refuses a server that is not an http URL', async () => {
    const { code, stderr } = await runIm(['chat', 'alice', '--server', 'ws://x:1/ws']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--server must be an http:\/\/ or https:\/\/ URL/);
  });

  it('takes a comma-separated --server (or IM_SERVER) list, and names the one URL in it that is wrong', async () => {
    const bad = await runIm(['chat', 'alice', 'bob', '--server', 'http://127.0.0.1:7701,ws://x:1/ws']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([
      'im: error: --server must be an http:// or https:// URL (the WebSocket URL is derived), got "ws://x:1/ws"',
    ]);
    const twice = await runIm(['chat', 'alice', '--server', 'http://127.0.0.1:7701, http://127.0.0.1:7701/']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--server names http:\/\/127\.0\.0\.1:7701\/ twice/);
    // a good list gets as far as the terminal check
    const good = await runIm(['chat', 'alice', 'bob'], { env: { NO_COLOR: '1', IM_SERVER: 'http://127.0.0.1:7701,http://127.0.0.1:7702' } });
    expect(good.code).toBe(1);
    expect(good.stderr).toMatch(/im chat needs a terminal/);
  });

  it('rejects --embedded together with a --server list', async () => {
    const { code, stderr } = await runIm(['chat', 'alice', 'bob', '--embedded', '--server', 'http://127.0.0.1:7701,http://127.0.0.1:7702']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot be used with/);
  });

  it('refuses --record without a .yaml name or in a missing directory', async () => {
    const txt = await runIm(['chat', 'alice', '--embedded', '--record', 'out.txt']);
    expect(txt.code).toBe(2);
    expect(txt.stderr).toMatch(/give it a \.yaml name/);
    const missing = await runIm(['chat', 'alice', '--embedded', '--record', '/nonexistent/dir/s.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot write in \/nonexistent\/dir/);
  });

  it('says it needs a terminal when stdout is not one', async () => {
    const { code, stderr } = await runIm(['chat', 'alice', '--embedded']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/im chat needs a terminal/);
  });

  it('rejects --embedded together with --server', async () => {
    const { code, stderr } = await runIm(['chat', 'alice', '--embedded', '--server', 'http://127.0.0.1:1']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/cannot be used with/);
  });
});
