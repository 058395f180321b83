import { ErrorCode } from '../../protocol/codes.js';
import { ImError, isImError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { AppendResult, MessageStore, NewMessage } from './message-store.js';

/** Rows (messages plus inbox rows) one commit aims to stay under: roughly 10–20 ms of SQLite. */
const MAX_BATCH_ROWS = 5000;

interface Pending {
  message: NewMessage;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: SENDs that arrive in the same turn of the event loop are committed together in
 * one transaction, and each sender is answered only after that commit. Results resolve in
 * commit order, which is what keeps pushes and acks in pts order downstream.
 */
export class BatchCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: MessageStore,
    private readonly maxBatch: number,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  append(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything queued so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      if (this.running) await this.running;
      else await this.flush();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate, not a microtask: frames read in the same I/O phase join this commit.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.batchLength());
    this.running = this.commit(batch);
    try {
      await this.running;
    } finally {
      this.running = undefined;
      if (this.queue.length > 0) this.schedule();
    }
  }

  /**
   * At most `maxBatch` messages and about MAX_BATCH_ROWS inbox rows (always at least one
   * message): a burst into a big write-diffusion group must not become one huge transaction
   * that holds the event loop for seconds.
   */
  private batchLength(): number {
    let rows = 0;
    let n = 0;
    while (n < this.queue.length && n < this.maxBatch) {
      rows += 1 + this.queue[n]!.message.inboxUsers.length;
      if (n > 0 && rows > MAX_BATCH_ROWS) break;
      n++;
    }
    return n;
  }

  private async commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      const results = await this.store.appendMessages(batch.map((p) => p.message));
      this.metrics.storeCommit.observe((performance.now() - started) / 1000);
      this.metrics.storeBatch.observe(batch.length);
      batch.forEach((p, i) => p.resolve(results[i] as AppendResult));
    } catch (e) {
      if (batch.length === 1) {
        batch[0]?.reject(unavailable(e, this.logger));
        return;
      }
      // One bad message must not fail its neighbours: commit them one by one.
      for (const p of batch) await this.commit([p]);
    }
  }
}

function unavailable(e: unknown, logger: Logger): unknown {
  if (isImError(e)) return e;
  logger.error('store commit failed', { error: e });
  return new ImError(ErrorCode.UNAVAILABLE, 'the message could not be stored; nothing was stored, retry');
}
