import type { Database } from 'better-sqlite3';
import { GROUP_CONV_TYPES } from '../../../protocol/codes.js';
import type { ConvType } from '../../../protocol/codes.js';
import { TxCache } from './tx-cache.js';

/** Group-backed conversations exist from createGroup on; the others start with a message. */
export const isGroupBacked = (type: ConvType): boolean => GROUP_CONV_TYPES.includes(type);

/**
 * A conversation as the append path needs it. Mutated in place inside a guarded transaction
 * (a rollback drops the whole entry).
 */
export interface ConvState {
  readonly convType: ConvType;
  maxSeq: number;
  /** Participants whose row is known to exist, so the append path skips re-inserting them. */
  seen?: Set<string>;
}

/**
 * The two counters of the contract (PROTOCOL.md §1), derived from the rows (MAX over an index)
 * on first use and then kept in memory: a conversation's maxSeq and a user's pts.
 */
export class Counters {
  /** Conversations that exist, with their maxSeq. */
  readonly convs: TxCache<ConvState>;
  /** Each user's current pts (0 before the first inbox row). */
  readonly pts: TxCache<number>;

  constructor(db: Database) {
    const conv = db.prepare<[string], { convType: ConvType; maxSeq: number | null }>(
      `SELECT conv_type AS convType, (SELECT MAX(seq) FROM messages WHERE conv_id = c.conv_id) AS maxSeq
         FROM conversations c WHERE conv_id = ?`,
    );
    const pts = db.prepare<[string], number | null>('SELECT MAX(pts) FROM inbox WHERE user_id = ?').pluck();
    this.convs = new TxCache((convId) => {
      const row = conv.get(convId);
      return row && { convType: row.convType, maxSeq: row.maxSeq ?? 0 };
    });
    this.pts = new TxCache((userId) => pts.get(userId) ?? 0);
  }

  maxSeq(convId: string): number {
    return this.convs.get(convId)?.maxSeq ?? 0;
  }

  currentPts(userId: string): number {
    return this.pts.get(userId) ?? 0;
  }

  /**
   * Runs `tx`, a better-sqlite3 transaction function, so that when it throws (and SQLite rolls
   * back) every cache entry it read or wrote is dropped and reloads from the committed rows.
   */
  guard<T>(tx: () => T): T {
    this.convs.begin();
    this.pts.begin();
    try {
      const result = tx();
      this.convs.commit();
      this.pts.commit();
      return result;
    } catch (e) {
      this.convs.rollback();
      this.pts.rollback();
      throw e;
    }
  }
}
