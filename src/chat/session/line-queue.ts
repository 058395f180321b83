/** One entered line's work: nothing to wait for, or a promise that settles when it is done. */
export type LineTask = () => Promise<void> | void;

/**
 * Runs the lines a user enters one after another, in the order typed. `/dm carol` asks the server
 * whether carol exists before it opens her chat, and the line typed (or pasted) right after it
 * must go to that chat, not to the one selected before. A line runs at once when nothing is in
 * flight, so what a quick command does (a notice, a selection) is there as soon as submit returns.
 */
export class LineQueue {
  readonly #waiting: LineTask[] = [];
  #busy = false;

  run(task: LineTask): void {
    this.#waiting.push(task);
    if (!this.#busy) this.#drain();
  }

  /**
   * Forgets the lines waiting behind the one running now and says how many there were: they were
   * typed trusting it to work (`/dm carol` then `hi`), so after a failure they would go astray.
   */
  dropWaiting(): number {
    return this.#waiting.splice(0).length;
  }

  #drain(): void {
    for (let task = this.#waiting.shift(); task !== undefined; task = this.#waiting.shift()) {
      const pending = task();
      if (pending === undefined) continue;
      this.#busy = true;
      // A task reports its own errors; a rejection here must not stop the lines after it.
      pending.catch(() => undefined).finally(() => {
        this.#busy = false;
        this.#drain();
      });
      return;
    }
  }
}
