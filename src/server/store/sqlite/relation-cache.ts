import type { PairRelation } from '../message-store.js';

/** Pairs kept before the cache starts over: ~100 bytes each, so a few MB at most. */
const MAX_PAIRS = 50_000;

/**
 * What the filter asks for every one-to-one SEND (§4: blocked? friends? does the peer take
 * strangers?), kept in memory: three index lookups per message were ~5% of the server's CPU
 * in the one-to-one benchmark. Sound because this process is the file's only writer
 * (open-database.ts) and every write those answers depend on goes through SqliteStore, which
 * calls `forgetPair` or `forgetUser` after it. A missing user is not cached: creating one needs
 * no invalidation.
 */
export class RelationCache {
  /** to → from → relation: `forgetUser(to)` drops all that depend on the peer's settings. */
  readonly #byPeer = new Map<string, Map<string, PairRelation>>();
  #size = 0;

  get(from: string, to: string, load: () => PairRelation | undefined): PairRelation | undefined {
    const cached = this.#byPeer.get(to)?.get(from);
    if (cached) return cached;
    const loaded = load();
    if (loaded) this.#remember(from, to, loaded);
    return loaded;
  }

  /** After a friend request, a removal, a block or an unblock between `a` and `b`. */
  forgetPair(a: string, b: string): void {
    this.#forget(a, b);
    this.#forget(b, a);
  }

  /** After `userId` changed a setting the relation reads (allowStrangers). */
  forgetUser(userId: string): void {
    const froms = this.#byPeer.get(userId);
    if (!froms) return;
    this.#size -= froms.size;
    this.#byPeer.delete(userId);
  }

  #remember(from: string, to: string, relation: PairRelation): void {
    if (this.#size >= MAX_PAIRS) {
      this.#byPeer.clear();
      this.#size = 0;
    }
    let froms = this.#byPeer.get(to);
    if (!froms) this.#byPeer.set(to, (froms = new Map()));
    if (!froms.has(from)) this.#size++;
    froms.set(from, relation);
  }

  #forget(from: string, to: string): void {
    const froms = this.#byPeer.get(to);
    if (froms?.delete(from)) this.#size--;
  }
}
