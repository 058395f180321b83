import { describe, expect, it } from 'vitest';
import { match } from '../../src/client/match.js';
import type { PairRelation } from '../../src/server/store/message-store.js';
import { SqliteStore } from '../../src/server/store/sqlite/sqlite-store.js';
import { text } from '../helpers/messages.js';
import { useHarness } from '../helpers/server.js';
import { ForwardingStore } from '../mutants/broken-servers.js';

const h = useHarness();

/**
 * Answers the relation lookups of the filter only when told to, in any order: a stand-in for a
 * cluster's database round trip, whose answers come back whenever they do.
 */
class GatedRelations extends ForwardingStore {
  readonly asked: { release: () => void }[] = [];
  #onAsked: (() => void) | undefined;

  override relation(from: string, to: string): Promise<PairRelation | undefined> {
    return new Promise((resolve, reject) => {
      this.asked.push({ release: () => this.inner.relation(from, to).then(resolve, reject) });
      this.#onAsked?.();
    });
  }

  /** Resolves once `n` lookups are waiting; rejects, saying how many were, after `ms`. */
  async waitForAsked(n: number, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.asked.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.asked.length} of ${n} lookups asked for within ${ms} ms: a SEND waited for the one before`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#onAsked = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

describe('SENDs of one connection', () => {
  it('are checked at the same time (a slow lookup holds no later SEND back) and still stored in the order sent', async () => {
    const store = new GatedRelations(SqliteStore.open(':memory:'));
    const { users: { alice, bob } } = await h.setup(['alice', 'bob'], { friends: true, store });
    const acks = [1, 2, 3].map((i) => alice.client.send(text('bob', `m${i}`)));
    // All three lookups are asked for before any is answered: no SEND waited for the one before.
    await store.waitForAsked(3);
    // Answered last to first: the commit order is still m1, m2, m3.
    for (const lookup of [...store.asked].reverse()) lookup.release();
    const stamps = (await Promise.all(acks)).map((a) => a.stamp);
    expect(stamps.map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(stamps.map((s) => s.pts)).toEqual([1, 2, 3]);
    for (let i = 1; i <= 3; i++) expect((await bob.client.waitFor(match.push({ text: `m${i}` }))).stamp.seq).toBe(i);
  });
});
