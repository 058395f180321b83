import { loadCursor, saveCursor, type CursorKey } from '../model/state-file.js';

const SAVE_DELAY_MS = 300;

/**
 * Keeps the state file's cursor in step with the session without writing on every message:
 * a write at most every SAVE_DELAY_MS, one at a time, and a final one on `flush()`. A crash loses
 * at most that window, which only means re-fetching those messages by SYNC on the next start.
 */
export class CursorSaver {
  readonly #dir: string;
  readonly #key: CursorKey;
  #saved: number;
  #wanted: number;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(dir: string, key: CursorKey, saved: number) {
    this.#dir = dir;
    this.#key = key;
    this.#saved = saved;
    this.#wanted = saved;
  }

  /** The cursor to resume from (0 for a missing or unreadable file). */
  static async load(dir: string, key: CursorKey): Promise<number> {
    return (await loadCursor(dir, key)).lastPts;
  }

  offer(pts: number): void {
    if (pts === this.#wanted) return;
    this.#wanted = pts;
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#save();
    }, SAVE_DELAY_MS);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#save();
  }

  #save(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      const pts = this.#wanted;
      if (pts === this.#saved) return;
      // A full disk must not take the chat down; the next save tries again.
      await saveCursor(this.#dir, this.#key, { lastPts: pts }).then(() => {
        this.#saved = pts;
      }, () => undefined);
    });
    return this.#writing;
  }
}
