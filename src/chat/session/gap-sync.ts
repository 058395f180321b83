import type { ImClient } from '../../client/index.js';
import { safePts } from '../model/chat-selectors.js';
import type { ViewStore } from './view-store.js';

/** What one SYNC run did, for `/sync`'s notice. */
export interface SyncOutcome {
  from: number;
  to: number;
  messages: number;
}

/**
 * SYNC from the safe cursor (just before the first gap) until the server has nothing more and
 * no gap remains. One run at a time: a caller during a run (a PUSH that opened a new gap) gets
 * the same promise, and the run goes round once more.
 */
export class GapSync {
  readonly #store: ViewStore;
  readonly #client: () => ImClient | undefined;
  readonly #pageSize: number;
  #running: Promise<SyncOutcome> | undefined;
  #again = false;

  constructor(store: ViewStore, client: () => ImClient | undefined, pageSize: number) {
    this.#store = store;
    this.#client = client;
    this.#pageSize = pageSize;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  run(): Promise<SyncOutcome> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(): Promise<SyncOutcome> {
    const state = () => this.#store.view.state;
    const from = safePts(state());
    let messages = 0;
    for (;;) {
      const client = this.#client();
      if (client === undefined) break;
      this.#again = false;
      const since = safePts(state());
      // The reducer needs the range this SYNC covers before its SYNC_RESP arrives.
      this.#store.dispatch({ type: 'syncRequested', sincePts: since });
      // Paced: a long catch-up may spend the server's read budget, and then waits as it asks.
      const { content } = await client.syncPaced(since, this.#pageSize);
      messages += content.messages.length;
      const more = content.hasMore || state().gaps.length > 0 || this.#again;
      // SYNC returns every pts after `since` (§6.3): no progress means nothing more to fetch.
      if (!more || safePts(state()) <= since) break;
    }
    return { from, to: safePts(state()), messages };
  }
}
