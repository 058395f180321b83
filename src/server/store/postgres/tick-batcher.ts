/** Queries answered by one statement at most. */
const MAX_BATCH = 500;

interface Pending<Q, A> {
  query: Q;
  resolve(answer: A): void;
  reject(e: unknown): void;
}

/**
 * Gathers the lookups of one turn of the event loop and answers them with one call of `run`,
 * which returns the answers in the order of the queries given. On a busy node the per-statement
 * cost of one lookup per SEND (a round trip, a bind, a pooled connection) was most of the
 * database's work; nothing is cached, so every lookup sees what was committed before it.
 */
export class TickBatcher<Q, A> {
  #pending: Pending<Q, A>[] = [];
  #scheduled = false;

  constructor(private readonly run: (queries: readonly Q[]) => Promise<A[]>) {}

  load(query: Q): Promise<A> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ query, resolve, reject });
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
      this.run(batch.map((p) => p.query)).then(
        (answers) => batch.forEach((p, i) => p.resolve(answers[i] as A)),
        (e: unknown) => batch.forEach((p) => p.reject(e)),
      );
    }
  }
}
