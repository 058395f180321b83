import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PushReceivers, TrafficRun } from './traffic.js';
import type { Dial } from './sockets.js';
import type { FromReceiver } from './receiver-wire.js';

// From the package root, so that the built thread is found from src/ (tests) as from dist/.
const WORKER = fileURLToPath(new URL('../../../dist/bench/driver/receiver-thread.js', import.meta.url));

/** Receivers from which a case reads its PUSHes on threads of their own: the fan-out cases. */
export const THREADS_FROM_RECEIVERS = 100;

/**
 * Receiver threads for a case with `receivers` receiving sockets: none under
 * THREADS_FROM_RECEIVERS (one thread keeps up), else one per core but one (the server, or the
 * sending thread, has that), at least one and at most four.
 */
export function receiverThreadsFor(receivers: number, cores = availableParallelism()): number {
  if (receivers < THREADS_FROM_RECEIVERS) return 0;
  return Math.max(1, Math.min(4, cores - 1));
}

interface Thread {
  worker: Worker;
  exited: Promise<unknown>;
  deliveries: number;
  duplicates: number;
  lastAt: number;
}

/**
 * The receiving sockets of a fan-out case, spread over worker threads: reading and counting a
 * million PUSHes is more than one core does, and a driver on one core measured itself, not the
 * server. Each thread counts its own sockets (push-counter.ts) and reports counts as it goes
 * and its latency histogram at the end; the sending stays on the main thread.
 */
export class ReceiverThreads {
  /** The busiest receiver thread over the last round, % of its time (event-loop utilisation). */
  busiestPercent = 0;
  readonly #threads: Thread[];

  private constructor(threads: Thread[]) {
    this.#threads = threads;
  }

  /**
   * Opens `dials` over `count` threads (round-robin). Resolves once every thread has tried all
   * of its connections; `errors` counts the refused ones, as openAll does.
   */
  static async open(dials: readonly Dial[], count: number, onOpened?: (n: number) => void): Promise<{ receivers: ReceiverThreads; errors: number; firstError?: string }> {
    const shares = Array.from({ length: count }, (_, t) => dials.filter((_, i) => i % count === t));
    const opening = new Array<number>(count).fill(0);
    const threads: Thread[] = [];
    const all = Promise.all(
      shares.map(async (share, t) => {
        const worker = new Worker(WORKER, { workerData: { dials: share } });
        threads.push({ worker, exited: once(worker, 'exit').catch(() => undefined), deliveries: 0, duplicates: 0, lastAt: 0 });
        return new Promise<Extract<FromReceiver, { type: 'opened' }>>((resolve, reject) => {
          const onMessage = (m: FromReceiver) => {
            if (m.type === 'opening' || m.type === 'opened') {
              opening[t] = m.opened;
              onOpened?.(opening.reduce((a, b) => a + b, 0));
            }
            if (m.type === 'opened') {
              worker.off('message', onMessage);
              resolve(m);
            }
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
        });
      }),
    );
    let results: Extract<FromReceiver, { type: 'opened' }>[];
    try {
      results = await all;
    } catch (e) {
      await Promise.all(threads.map((t) => t.worker.terminate()));
      throw e;
    }
    const firstError = results.find((r) => r.firstError !== undefined)?.firstError;
    return { receivers: new ReceiverThreads(threads), errors: results.reduce((n, r) => n + r.errors, 0), ...(firstError === undefined ? {} : { firstError }) };
  }

  get size(): number {
    return this.#threads.length;
  }

  /** Counting on the threads, summed into the run as their reports come in. */
  pushReceivers(): PushReceivers {
    const threads = this.#threads;
    const sum = (run: TrafficRun): void => {
      run.deliveries = threads.reduce((n, t) => n + t.deliveries, 0);
      run.duplicates = threads.reduce((n, t) => n + t.duplicates, 0);
      const lastAt = Math.max(...threads.map((t) => t.lastAt));
      if (lastAt > 0) run.lastDeliveryAt = lastAt - performance.timeOrigin;
    };
    let listeners: { worker: Worker; on: (m: FromReceiver) => void }[] = [];
    return {
      start: (run, progressed) => {
        const started = threads.map((thread) => nextMessage(thread.worker, 'started'));
        for (const thread of threads) {
          Object.assign(thread, { deliveries: 0, duplicates: 0, lastAt: 0 });
          const on = (m: FromReceiver) => {
            if (m.type !== 'progress') return;
            Object.assign(thread, { deliveries: m.deliveries, duplicates: m.duplicates, lastAt: m.lastAt });
            sum(run);
            progressed();
          };
          thread.worker.on('message', on);
          listeners.push({ worker: thread.worker, on });
          thread.worker.postMessage({ type: 'start' });
        }
        return Promise.all(started).then(() => undefined);
      },
      stop: async (run) => {
        for (const { worker, on } of listeners) worker.off('message', on);
        listeners = [];
        const finals = await Promise.all(
          threads.map((thread) => {
            const final = nextMessage(thread.worker, 'final');
            thread.worker.postMessage({ type: 'stop' });
            return final;
          }),
        );
        finals.forEach((f, i) => {
          Object.assign(threads[i]!, { deliveries: f.deliveries, duplicates: f.duplicates, lastAt: f.lastAt });
          run.latency.add(f.latency);
        });
        sum(run);
        this.busiestPercent = Math.max(0, ...finals.map((f) => f.busyPercent));
      },
    };
  }

  /** Closes every socket and ends the threads. */
  async close(): Promise<void> {
    for (const t of this.#threads) t.worker.postMessage({ type: 'close' });
    await Promise.all(this.#threads.map((t) => t.exited));
  }
}

/** The thread's next message of `type`; rejects if the thread fails first. */
function nextMessage<T extends FromReceiver['type']>(worker: Worker, type: T): Promise<Extract<FromReceiver, { type: T }>> {
  return new Promise((resolve, reject) => {
    const on = (m: FromReceiver) => {
      if (m.type !== type) return;
      worker.off('message', on);
      worker.off('error', reject);
      resolve(m as Extract<FromReceiver, { type: T }>);
    };
    worker.on('message', on);
    worker.once('error', reject);
  });
}
