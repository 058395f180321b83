import { createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedServer } from '../../src/chat/embedded-server.js';
import { timelineView } from '../../src/chat/model/chat-selectors.js';
import { homeNode } from '../../src/chat/session/node-list.js';
import { ChatSession, type ChatSessionOptions } from '../../src/chat/session/chat-session.js';
import type { SessionView, WireEvent } from '../../src/chat/session/session-types.js';
import { paneTitleText } from '../../src/chat/ui/PaneTitle.js';
import { ImClient } from '../../src/client/index.js';
import { CmdType, ConvType } from '../../src/protocol/codes.js';
import { pairConvId } from '../../src/protocol/ids.js';
import { PG_URL, REDIS_URL } from '../helpers/cluster-services.js';
import { useInProcessCluster } from '../helpers/cluster-nodes.js';
import { befriend, passwordOf, registerUsers, type TestServer } from '../helpers/server.js';

/**
 * `im chat --server URL1,URL2 alice bob`: each pane on its own node of a cluster, the node in its
 * title, and a pane whose node does not answer moves to the next one. The failover at sign-in
 * needs no cluster; the rest runs on two real nodes over PostgreSQL + Redis (IM_TEST_PG_URL,
 * IM_TEST_REDIS_URL) and skips without them, like test/cluster/.
 */

const AB = pairConvId(ConvType.SINGLE, 'alice', 'bob');
const FAST = { initialMs: 20, maxMs: 200, jitter: 0 };
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function session(options: ChatSessionOptions): Promise<ChatSession> {
  const s = await ChatSession.start({ backoff: FAST, ...options });
  cleanups.push(() => s.close());
  return s;
}

/** A URL nothing listens on: a port just freed. */
async function deadUrl(): Promise<string> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function until(s: ChatSession, predicate: (v: SessionView) => boolean, label: string, ms = 10_000): Promise<SessionView> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate(s.view)) return;
      off();
      clearTimeout(timer);
      resolve(s.view);
    };
    const off = s.subscribe(check);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${label}; notice: ${s.view.notice?.text ?? '-'}, connection: ${s.view.state.connection.kind}, server: ${s.view.server}`));
    }, ms);
    check();
  });
}

const hasText = (text: string) => (v: SessionView) => timelineView(v.state, AB).some((m) => m.status === 'stored' && m.content.text === text);
const host = (url: string) => new URL(url).host;
const title = (s: ChatSession, pane: number) => paneTitleText(s.view, false, pane, 80);

describe('a pane whose node does not answer', () => {
  it('signs in on the next node of the list, says so, and sends its HTTP calls there too', async () => {
    const { server } = await startEmbeddedServer(['alice', 'bob'], 'pw');
    cleanups.push(() => server.close());
    const dead = await deadUrl();

    const alice = await session({ server: dead, nodes: [dead, server.httpUrl], userId: 'alice', password: 'pw' });

    expect(alice.view.server).toBe(server.httpUrl);
    expect(alice.view.notice?.text).toBe(`node 1 (${host(dead)}) did not answer: now on node 2 (${host(server.httpUrl)})`);
    expect(title(alice, 1)).toContain(`alice@default · node 2 (${host(server.httpUrl)})`);
    // /dm asks the HTTP API whether bob exists: it must reach the live node, not the dead one
    alice.submit('/dm bob');
    alice.submit('via node 2');
    await until(alice, hasText('via node 2'), 'the ack');
  });
});

if (!PG_URL || !REDIS_URL) {
  console.log('Chat cluster tests skipped: set IM_TEST_PG_URL and IM_TEST_REDIS_URL to run them (see test/cluster/two-nodes.test.ts)');
}

describe.skipIf(!PG_URL || !REDIS_URL)('im chat panes on two nodes (PostgreSQL + Redis)', () => {
  const inProcess = useInProcessCluster();

  /** Two nodes; alice and bob registered and friends; the list as `--server` would give it. */
  async function cluster(): Promise<{ n1: TestServer; n2: TestServer; nodes: string[] }> {
    const [n1, n2] = (await inProcess.start(2)) as [TestServer, TestServer];
    const [alice, bob] = await registerUsers(n1, ['alice', 'bob']);
    await befriend(alice!, bob!);
    return { n1, n2, nodes: [n1.httpUrl, n2.httpUrl] };
  }

  /** Counts a pane's SYNC_RESPs and resolves a wait as soon as the count is reached. */
  function syncCounter(label: string) {
    let count = 0;
    const waiters = new Set<{ n: number; done: () => void }>();
    return {
      onWire(e: WireEvent): void {
        if (e.direction !== 'in' || e.frame.header.cmd !== CmdType.SYNC_RESP) return;
        count++;
        for (const w of waiters) if (count >= w.n) w.done();
      },
      reached(n: number, timeoutMs = 10_000): Promise<void> {
        if (count >= n) return Promise.resolve();
        return new Promise((resolve, reject) => {
          const w = {
            n,
            done: () => {
              clearTimeout(timer);
              waiters.delete(w);
              resolve();
            },
          };
          const timer = setTimeout(() => {
            waiters.delete(w);
            reject(new Error(`${label}: no SYNC_RESP #${n} within ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.add(w);
        });
      },
    };
  }

  /**
   * Pane `i` (0-based) of `im chat --server <nodes> alice bob`, once its start-up SYNC is answered,
   * so that what a test sends next arrives by PUSH rather than in that SYNC.
   */
  async function pane(nodes: string[], i: number, userId: string): Promise<ChatSession> {
    const counter = syncCounter(userId);
    const s = await session({ server: homeNode(nodes, i), nodes, userId, password: passwordOf(userId), onWire: counter.onWire });
    syncs.set(s, counter);
    await counter.reached(1);
    return s;
  }

  const syncs = new WeakMap<ChatSession, ReturnType<typeof syncCounter>>();
  /** Resolves once `s` has had `count` SYNC_RESPs (each connection's catch-up sends a SYNC). */
  const synced = (s: ChatSession, count: number): Promise<void> => syncs.get(s)!.reached(count);

  it('puts alice on node 1 and bob on node 2, names each node in its title, and bob gets what alice sends', async () => {
    const { n1, n2, nodes } = await cluster();
    const alice = await pane(nodes, 0, 'alice');
    const bob = await pane(nodes, 1, 'bob');

    expect([alice.view.server, bob.view.server]).toEqual([n1.httpUrl, n2.httpUrl]);
    expect(title(alice, 1)).toContain(`alice@default · node 1 (${host(n1.httpUrl)})`);
    expect(title(bob, 2)).toContain(`bob@default · node 2 (${host(n2.httpUrl)})`);

    alice.submit('/dm bob');
    alice.submit('across nodes');
    const sent = timelineView((await until(alice, hasText('across nodes'), "alice's ack")).state, AB).at(-1);
    const got = timelineView((await until(bob, hasText('across nodes'), "bob's push")).state, AB).at(-1);
    expect(got).toMatchObject({ msgId: sent?.msgId, seq: sent?.seq });
  });

  it('moves a pane to the next node by itself when its node stops, and it keeps receiving', async () => {
    const { n1, n2, nodes } = await cluster();
    const alice = await pane(nodes, 0, 'alice');
    const bob = await pane(nodes, 1, 'bob');
    alice.submit('/dm bob');
    alice.submit('before');
    // bob's start-up calls to node 2 are over: none can fail later and hide the notice
    await until(bob, hasText('before'), "bob's first push, on node 2");

    await n2.close();

    const moved = await until(bob, (v) => v.state.connection.kind === 'online' && v.notice !== null, 'bob online again, with a notice');
    expect(moved.server).toBe(n1.httpUrl);
    expect(moved.notice?.text).toBe(`node 2 (${host(n2.httpUrl)}) did not answer: now on node 1 (${host(n1.httpUrl)})`);
    expect(title(bob, 2)).toContain(`bob@default · node 1 (${host(n1.httpUrl)})`);
    await synced(bob, 2);
    alice.submit('after node 2 stopped');
    await until(bob, hasText('after node 2 stopped'), "bob's push on node 1");
  });

  it("Ctrl-R after a KICK, with the pane's node gone, reconnects on the next node", async () => {
    const { n1, n2, nodes } = await cluster();
    const bob = await pane(nodes, 1, 'bob');
    // bob@default signs in on node 1: the KICK crosses to his pane on node 2
    const other = await ImClient.login(n1.httpUrl, 'bob', passwordOf('bob'));
    cleanups.push(() => other.close());
    await until(bob, (v) => v.state.connection.kind === 'kicked', 'the kick');
    await n2.close();

    bob.reconnect();

    const v = await until(bob, (view) => view.state.connection.kind === 'online' && view.notice?.text.startsWith('reconnected') === true, 'online again');
    expect(v.server).toBe(n1.httpUrl);
    expect(v.notice?.text).toBe(`reconnected as bob@default; its other connection was signed out; node 2 (${host(n2.httpUrl)}) did not answer: now on node 1 (${host(n1.httpUrl)})`);
  });
});
