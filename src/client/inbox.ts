import type { ServerFrame } from '../protocol/frames.js';
import { ImClientError } from './errors.js';
import { summarizeFrame } from './frame-format.js';
import type { FramePredicate } from './match.js';

export interface WaitForOptions {
  /** Default 5000. */
  timeoutMs?: number;
  /** Names the awaited frame in the timeout error; defaults to the matcher's label. */
  label?: string;
}

interface Waiter {
  predicate: FramePredicate;
  label: string;
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
}

const DEFAULT_WAIT_MS = 5000;
const MAX_LISTED = 20;

const labelOf = (predicate: FramePredicate, options: WaitForOptions): string =>
  options.label ?? (predicate as { label?: string }).label ?? (predicate.name || 'predicate');

/**
 * The frames nobody asked for (PUSH, READ_NOTIFY, KICK, uncorrelated ERROR), kept in arrival
 * order until taken. It never drops a frame: an offered frame either goes to the oldest waiter
 * whose predicate it matches, or stays here.
 */
export class Inbox {
  readonly #frames: ServerFrame[] = [];
  readonly #waiters = new Set<Waiter>();
  #closedBecause: string | undefined;

  constructor(private readonly owner: string) {}

  get frames(): readonly ServerFrame[] {
    return this.#frames;
  }

  offer(frame: ServerFrame): void {
    for (const waiter of this.#waiters) {
      let matched: boolean;
      try {
        matched = waiter.predicate(frame);
      } catch (e) {
        this.#waiters.delete(waiter);
        waiter.reject(e instanceof Error ? e : new Error(String(e)));
        continue;
      }
      if (matched) {
        this.#waiters.delete(waiter);
        waiter.resolve(frame);
        return;
      }
    }
    this.#frames.push(frame);
  }

  /** Removes and returns every held frame that matches, in arrival order. */
  take<F extends ServerFrame>(predicate: (frame: ServerFrame) => frame is F): F[];
  take(predicate: FramePredicate): ServerFrame[];
  take(predicate: FramePredicate): ServerFrame[] {
    const taken: ServerFrame[] = [];
    let kept = 0;
    for (const frame of this.#frames) {
      if (predicate(frame)) taken.push(frame);
      else this.#frames[kept++] = frame;
    }
    this.#frames.length = kept;
    return taken;
  }

  /**
   * The first matching frame, whether it is already held or arrives later; it leaves the inbox.
   * Rejects with ImClientError('timeout') after `timeoutMs`, or ImClientError('closed') once the
   * connection is closed, listing what the inbox holds.
   */
  waitFor<F extends ServerFrame>(predicate: (frame: ServerFrame) => frame is F, options?: WaitForOptions): Promise<F>;
  waitFor(predicate: FramePredicate, options?: WaitForOptions): Promise<ServerFrame>;
  waitFor(predicate: FramePredicate, options: WaitForOptions = {}): Promise<ServerFrame> {
    const index = this.#frames.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.#frames.splice(index, 1)[0] as ServerFrame);
    const label = labelOf(predicate, options);
    if (this.#closedBecause !== undefined) {
      return Promise.reject(this.#error('closed', label, this.#closedBecause));
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(this.#error('timeout', label, `timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        fn(v);
      };
      const waiter: Waiter = { predicate, label, resolve: settle(resolve), reject: settle(reject) };
      this.#waiters.add(waiter);
    });
  }

  /** The source closed: nothing more will arrive, so every pending waitFor fails now. */
  close(because: string): void {
    this.#closedBecause = because;
    for (const waiter of this.#waiters) waiter.reject(this.#error('closed', waiter.label, because));
    this.#waiters.clear();
  }

  /** The held frames, one line each, for error messages. */
  describe(): string {
    if (this.#frames.length === 0) return 'the inbox is empty';
    const lines = this.#frames.slice(0, MAX_LISTED).map((f) => `  - ${summarizeFrame(f)}`);
    if (this.#frames.length > MAX_LISTED) lines.push(`  … and ${this.#frames.length - MAX_LISTED} more`);
    return `the inbox holds ${this.#frames.length} frame(s):\n${lines.join('\n')}`;
  }

  #error(reason: 'timeout' | 'closed', label: string, what: string): ImClientError {
    return new ImClientError(reason, `${this.owner}: waitFor(${label}) ${what}; ${this.describe()}`);
  }
}
