import type { PairRelation } from '../message-store.js';

/** Lookups answered by one statement at most. */
const MAX_BATCH = 500;

interface Pending {
  from: string;
  to: string;
  resolve(value: PairRelation | undefined): void;
  reject(e: unknown): void;
}

/**
 * Gathers the pair lookups of one turn of the event loop and answers them with one call of
 * `run`, which returns the answers in the order of the pairs given.
 */
export class RelationBatcher {
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(private readonly run: (pairs: readonly { from: string; to: string }[]) => Promise<(PairRelation | undefined)[]>) {}

  load(from: string, to: string): Promise<PairRelation | undefined> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ from, to, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const all = this.#pending;
    this.#pending = [];
    for (let at = 0; at < all.length; at += MAX_BATCH) {
      const batch = all.slice(at, at + MAX_BATCH);
      this.run(batch).then(
        (answers) => batch.forEach((p, i) => p.resolve(answers[i])),
        (e: unknown) => batch.forEach((p) => p.reject(e)),
      );
    }
  }
}
