import type { Pool, PoolClient } from 'pg';
import { ConvType, GROUP_CONV_TYPES } from '../../../protocol/codes.js';
import { err } from '../../errors.js';
import type { AppendResult, HistoryPage, HistoryQuery, InboxPage, NewMessage } from '../message-store.js';
import { toStoredMessage, type MessageRow as Row } from '../message-row.js';
import { MESSAGE_COLUMNS, lowerBound, num, pageSize, upperBound } from './rows.js';
import { TickBatcher } from './tick-batcher.js';
import { RetryTransaction, withTx } from './tx.js';

/** pg returns BIGINT columns as decimal text. */
type MessageRow = Row<string>;

/** Group-backed conversations exist from createGroup on; the others start with a message. */
export const isGroupBacked = (type: ConvType): boolean => GROUP_CONV_TYPES.includes(type);

interface StampRow {
  msgId: string;
  convId: string;
  seq: string;
  sendTime: string;
  senderPts: string | null;
  fromUser: string;
  clientMsgId: string;
}

interface Stamp {
  msgId: string;
  convId: string;
  seq: number;
  sendTime: number;
  from: string;
  senderPts: number | null;
}

/**
 * A pts map keyed by userId. Prototype-free, because `__proto__` is a valid userId (§1) and on a
 * plain object it would not become a key.
 */
const ptsRecord = (): Record<string, number> => Object.create(null) as Record<string, number>;

/** The idempotency key of a message: (from, clientMsgId), unambiguous whatever the ids hold. */
const idemKey = (from: string, clientMsgId: string): string => JSON.stringify([from, clientMsgId]);

const duplicateOf = (s: Stamp): AppendResult => {
  const pts = ptsRecord();
  if (s.senderPts !== null) pts[s.from] = s.senderPts;
  return { msgId: s.msgId, convId: s.convId, seq: s.seq, sendTime: s.sendTime, pts, duplicate: true };
};

const toStamp = (row: StampRow): Stamp => ({
  msgId: row.msgId,
  convId: row.convId,
  seq: num(row.seq),
  sendTime: num(row.sendTime),
  from: row.fromUser,
  senderPts: row.senderPts === null ? null : num(row.senderPts),
});

/**
 * The stamps stored for ($1[i], $2[i]) pairs, each row with its pair's index `i` (1-based): one
 * index probe per pair (LATERAL … LIMIT 1 cannot become a hash join over the whole table).
 */
export const STORED_STAMPS = `
  SELECT v.i, m.msg_id::text AS "msgId", m.conv_id AS "convId", m.seq, m.send_time AS "sendTime",
         m.sender_pts AS "senderPts", m.from_user AS "fromUser", m.client_msg_id AS "clientMsgId"
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(f, c, i)
    JOIN LATERAL (SELECT * FROM messages WHERE from_user = v.f AND client_msg_id = v.c LIMIT 1) m ON true`;

/** A conversation of the batch, locked, with its max_seq before the batch (the loop counts it up). */
interface LockedConv {
  convType: ConvType;
  maxSeq: number;
}

/**
 * Appending messages (seq, pts, inbox rows, read state) and reading them back by pts or seq.
 *
 * The append transaction, whatever the batch size, is a fixed number of statements:
 *  1. (only when a first attempt met a conflict) read the stamps already stored for the batch's
 *     (from, clientMsgId) pairs;
 *  2. raise max_seq of every conversation of the batch by its number of new messages, making the
 *     one-to-one/system conversations that start here (one upsert, in conv_id order, which locks
 *     the rows), and read the new values back;
 *  3. the same for the pts row of every inbox user (one upsert, in user_id order);
 *  4. number the messages in array order, in memory, from the values before the batch;
 *  5. insert messages, inbox rows and read positions.
 * Locks are always taken conversations first, then users, each in one order, so batches from
 * several nodes wait for each other instead of deadlocking. If a (from, clientMsgId) of the
 * batch is stored already (a retry that raced its first copy, here or on another node), the
 * insert skips it and the whole transaction runs again, reading the stored stamps first.
 *
 * Every statement reaches rows through a unique index by construction (an upsert's arbiter, a
 * LATERAL probe): a prepared statement keeps the plan it got on the first calls, when the tables
 * were empty and a sequential scan was cheapest, unless statistics change; without autovacuum
 * they never do, and a scan per batch grows with the table.
 */
export class MessageQueries {
  constructor(
    private readonly pool: Pool,
    private readonly now: () => number,
  ) {}

  /** One transaction for the whole batch; see MessageStore.appendMessages. */
  async append(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    // The dedupe stage looked every clientMsgId up just before: a first attempt does not read them
    // again; a conflict on insert makes the next attempt read them.
    let attempt = 0;
    return withTx(this.pool, (client) => this.appendIn(client, batch, attempt++ > 0));
  }

  /**
   * Looked up together with the other lookups of the same turn of the event loop, in one
   * statement (TickBatcher): every SEND of a real client carries a clientMsgId, and one statement
   * per SEND held a busy node's throughput to a third.
   */
  findByClientMsgId(from: string, clientMsgId: string): Promise<AppendResult | undefined> {
    return this.stamps.load({ from, clientMsgId });
  }

  private readonly stamps = new TickBatcher<{ from: string; clientMsgId: string }, AppendResult | undefined>(async (keys) => {
    const { rows } = await this.pool.query<StampRow & { i: string }>(STORED_STAMPS, [keys.map((k) => k.from), keys.map((k) => k.clientMsgId)]);
    const found: (AppendResult | undefined)[] = keys.map(() => undefined);
    for (const row of rows) found[Number(row.i) - 1] = duplicateOf(toStamp(row));
    return found;
  });

  async readInbox(userId: string, sincePts: number, limit: number): Promise<InboxPage> {
    const n = pageSize(limit);
    // maxPts first, then only rows up to it: two statements see two snapshots, and a message
    // committed between them must be in neither, or a client told "you have everything up to
    // maxPts" would drop its push as already seen. Every row up to a visible user_pts is
    // visible too: the row and the counter commit together, in pts order.
    const max = await this.pool.query<{ pts: string }>('SELECT pts FROM user_pts WHERE user_id = $1', [userId]);
    const maxPts = num(max.rows[0]?.pts);
    const { rows } = await this.pool.query<MessageRow & { pts: string }>(
      `SELECT i.pts AS pts, ${MESSAGE_COLUMNS}
         FROM inbox i JOIN messages m ON m.msg_id = i.msg_id
        WHERE i.user_id = $1 AND i.pts > $2 AND i.pts <= $3 ORDER BY i.pts LIMIT $4`,
      [userId, lowerBound(sincePts), maxPts, n + 1],
    );
    return {
      entries: rows.slice(0, n).map((row) => ({ pts: num(row.pts), message: toStoredMessage(row) })),
      maxPts,
      hasMore: rows.length > n,
    };
  }

  /**
   * `hasMore` is about the direction being paged: with `afterSeq`, whether messages exist after
   * the page (and before `beforeSeq`, when both are given); otherwise whether messages exist
   * before the page.
   */
  async readHistory(convId: string, query: HistoryQuery): Promise<HistoryPage> {
    const n = pageSize(query.limit);
    const before = upperBound(query.beforeSeq ?? Number.MAX_SAFE_INTEGER);
    const { rows } =
      query.afterSeq === undefined
        ? await this.pool.query<MessageRow>(
            `SELECT ${MESSAGE_COLUMNS} FROM messages m
              WHERE m.conv_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
            [convId, before, n + 1],
          )
        : await this.pool.query<MessageRow>(
            `SELECT ${MESSAGE_COLUMNS} FROM messages m
              WHERE m.conv_id = $1 AND m.seq > $2 AND m.seq < $3 ORDER BY m.seq LIMIT $4`,
            [convId, lowerBound(query.afterSeq), before, n + 1],
          );
    const page = rows.slice(0, n);
    if (query.afterSeq === undefined) page.reverse();
    return { messages: page.map(toStoredMessage), hasMore: rows.length > n };
  }

  private async appendIn(client: PoolClient, batch: readonly NewMessage[], readStored: boolean): Promise<AppendResult[]> {
    const stored = readStored ? await this.storedStamps(client, batch) : new Map<string, Stamp>();

    // Which messages are new: not stored before, and not a repeat of one earlier in the batch.
    const fresh: NewMessage[] = [];
    const firstInBatch = new Set<string>();
    for (const m of batch) {
      if (m.clientMsgId !== undefined) {
        const key = idemKey(m.from, m.clientMsgId);
        if (stored.has(key) || firstInBatch.has(key)) continue;
        firstInBatch.add(key);
      }
      fresh.push(m);
    }

    const convs = fresh.length === 0 ? new Map<string, LockedConv>() : await this.advanceConversations(client, fresh);
    const ptsOf = await this.advancePts(client, fresh);

    // Number the new messages in array order, counting up from the counters before the batch.
    const results: AppendResult[] = [];
    const stampedInBatch = new Map<string, Stamp>();
    const msgCols = {
      msgId: [] as string[], convId: [] as string[], seq: [] as number[], convType: [] as number[], msgType: [] as number[],
      from: [] as string[], to: [] as string[], content: [] as string[], sendTime: [] as number[],
      clientMsgId: [] as (string | null)[], senderPts: [] as (number | null)[],
    };
    const inbox = { userId: [] as string[], pts: [] as number[], msgId: [] as string[] };
    /** (conv, user) → readSeq to raise to: participants (0) and senders of one-to-one/system chats. */
    const pairReaders = new Map<string, { convId: string; userId: string; readSeq: number }>();
    /** (conv, user) → readSeq to raise to: senders in groups (existing member rows only). */
    const groupReaders = new Map<string, { convId: string; userId: string; readSeq: number }>();
    const raise = (into: typeof pairReaders, convId: string, userId: string, readSeq: number) => {
      const key = JSON.stringify([convId, userId]);
      const known = into.get(key);
      if (!known) into.set(key, { convId, userId, readSeq });
      else known.readSeq = Math.max(known.readSeq, readSeq);
    };

    const freshSet = new Set(fresh);
    for (const m of batch) {
      if (!freshSet.has(m)) {
        const key = idemKey(m.from, m.clientMsgId ?? '');
        const first = stored.get(key) ?? stampedInBatch.get(key);
        if (!first) throw new Error(`message ${m.msgId} was not stored and has no earlier copy`);
        results.push(duplicateOf(first));
        continue;
      }
      const conv = convs.get(m.convId);
      if (!conv) throw new Error(`conversation ${m.convId} was not locked`);
      const seq = ++conv.maxSeq;
      const pts = ptsRecord();
      for (const userId of new Set(m.inboxUsers)) {
        const next = (ptsOf.get(userId) ?? 0) + 1;
        ptsOf.set(userId, next);
        pts[userId] = next;
        inbox.userId.push(userId);
        inbox.pts.push(next);
        inbox.msgId.push(m.msgId);
      }
      const senderPts = Object.hasOwn(pts, m.from) ? (pts[m.from] ?? null) : null;
      msgCols.msgId.push(m.msgId);
      msgCols.convId.push(m.convId);
      msgCols.seq.push(seq);
      msgCols.convType.push(m.convType);
      msgCols.msgType.push(m.msgType);
      msgCols.from.push(m.from);
      msgCols.to.push(m.to);
      msgCols.content.push(JSON.stringify(m.content));
      msgCols.sendTime.push(m.sendTime);
      msgCols.clientMsgId.push(m.clientMsgId ?? null);
      msgCols.senderPts.push(senderPts);
      if (m.clientMsgId !== undefined) {
        stampedInBatch.set(idemKey(m.from, m.clientMsgId), {
          msgId: m.msgId, convId: m.convId, seq, sendTime: m.sendTime, from: m.from, senderPts,
        });
      }
      // §6.5: participants get a row so the conversation shows in their list; the sender's
      // readSeq rises to its own message. In a group only an existing member row is raised
      // (creating one would re-admit a member removed since the filter ran). The sender of a
      // SYSTEM conversation is the server, which reads nothing.
      if (isGroupBacked(m.convType)) {
        raise(groupReaders, m.convId, m.from, seq);
      } else {
        for (const userId of m.participants) if (userId !== m.from) raise(pairReaders, m.convId, userId, 0);
        if (m.convType !== ConvType.SYSTEM_CONVERSATION) raise(pairReaders, m.convId, m.from, seq);
      }
      results.push({ msgId: m.msgId, convId: m.convId, seq, sendTime: m.sendTime, pts, duplicate: false });
    }
    if (fresh.length === 0) return results;

    // The conflict target is the (from, clientMsgId) index only: a repeated msgId or seq still
    // fails the commit, as a bug must.
    const inserted = await client.query(
      `INSERT INTO messages (msg_id, conv_id, seq, conv_type, msg_type, from_user, to_target, content,
                             send_time, client_msg_id, sender_pts)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::int[], $5::int[], $6::text[], $7::text[],
                            $8::text[], $9::bigint[], $10::text[], $11::bigint[])
       ON CONFLICT (from_user, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING`,
      [
        msgCols.msgId, msgCols.convId, msgCols.seq, msgCols.convType, msgCols.msgType, msgCols.from, msgCols.to,
        msgCols.content, msgCols.sendTime, msgCols.clientMsgId, msgCols.senderPts,
      ],
    );
    // Another node committed one of these (from, clientMsgId) since step 1: start again, and
    // step 1 will find its stamp.
    if (inserted.rowCount !== fresh.length) throw new RetryTransaction();

    if (inbox.userId.length > 0) {
      await client.query(
        'INSERT INTO inbox (user_id, pts, msg_id) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])',
        [inbox.userId, inbox.pts, inbox.msgId],
      );
    }
    if (pairReaders.size > 0) {
      const rows = [...pairReaders.values()];
      await client.query(
        `INSERT INTO members (conv_id, user_id, read_seq, joined_at)
         SELECT c, u, r, $4 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(c, u, r) ORDER BY c COLLATE "C", u COLLATE "C"
         ON CONFLICT (conv_id, user_id) DO UPDATE SET read_seq = excluded.read_seq
           WHERE members.read_seq < excluded.read_seq`,
        [rows.map((r) => r.convId), rows.map((r) => r.userId), rows.map((r) => r.readSeq), this.now()],
      );
    }
    if (groupReaders.size > 0) {
      const rows = [...groupReaders.values()];
      await client.query(
        `UPDATE members m SET read_seq = v.r
           FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(c, u, r)
          WHERE m.conv_id = v.c AND m.user_id = v.u AND m.read_seq < v.r`,
        [rows.map((r) => r.convId), rows.map((r) => r.userId), rows.map((r) => r.readSeq)],
      );
    }
    return results;
  }

  /** The stamps already committed for the batch's (from, clientMsgId) pairs. */
  private async storedStamps(client: PoolClient, batch: readonly NewMessage[]): Promise<Map<string, Stamp>> {
    const froms: string[] = [];
    const ids: string[] = [];
    for (const m of batch) {
      if (m.clientMsgId === undefined) continue;
      froms.push(m.from);
      ids.push(m.clientMsgId);
    }
    const stored = new Map<string, Stamp>();
    if (ids.length === 0) return stored;
    const { rows } = await client.query<StampRow>(STORED_STAMPS, [froms, ids]);
    for (const row of rows) stored.set(idemKey(row.fromUser, row.clientMsgId), toStamp(row));
    return stored;
  }

  /**
   * Raises max_seq of every conversation of `fresh` by its number of messages there, making the
   * one-to-one and system conversations that start with this batch: one upsert in conv_id order,
   * which also locks the rows, in one order on every node. Returns each conversation with its
   * max_seq before the batch.
   * @throws ImError CONVERSATION_NOT_FOUND for a group conversation that was never created
   */
  private async advanceConversations(client: PoolClient, fresh: readonly NewMessage[]): Promise<Map<string, LockedConv>> {
    const wanted = new Map<string, { convType: ConvType; count: number }>();
    for (const m of fresh) {
      const conv = wanted.get(m.convId);
      if (conv) conv.count++;
      else wanted.set(m.convId, { convType: m.convType, count: 1 });
    }
    const ids = [...wanted.keys()];
    const { rows } = await client.query<{ convId: string; convType: ConvType; maxSeq: string; created: boolean }>(
      `INSERT INTO conversations (conv_id, conv_type, max_seq, created_at)
       SELECT c, t, n, $4 FROM unnest($1::text[], $2::int[], $3::bigint[]) AS v(c, t, n) ORDER BY c COLLATE "C"
       ON CONFLICT (conv_id) DO UPDATE SET max_seq = conversations.max_seq + excluded.max_seq
       RETURNING conv_id AS "convId", conv_type AS "convType", max_seq AS "maxSeq", xmax = 0 AS created`,
      [ids, ids.map((id) => wanted.get(id)!.convType), ids.map((id) => wanted.get(id)!.count), this.now()],
    );
    const before = new Map<string, LockedConv>();
    for (const row of rows) {
      const { convType, count } = wanted.get(row.convId)!;
      // Group conversations are made by createGroup; a message cannot conjure one (the row it
      // just made goes with the rollback).
      if (row.created && isGroupBacked(convType)) throw err.convNotFound(row.convId);
      if (row.convType !== convType) {
        throw new Error(`message of conversation type ${convType} for ${row.convId}, which has type ${row.convType}`);
      }
      before.set(row.convId, { convType, maxSeq: num(row.maxSeq) - count });
    }
    return before;
  }

  /**
   * Raises the pts of every inbox user of `fresh` by their number of inbox rows in it (making
   * missing counters): one upsert in user_id order, which also locks the rows. Returns each
   * user's pts before the batch.
   */
  private async advancePts(client: PoolClient, fresh: readonly NewMessage[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const m of fresh) for (const userId of new Set(m.inboxUsers)) counts.set(userId, (counts.get(userId) ?? 0) + 1);
    const before = new Map<string, number>();
    if (counts.size === 0) return before;
    const users = [...counts.keys()];
    const { rows } = await client.query<{ userId: string; pts: string }>(
      `INSERT INTO user_pts (user_id, pts) SELECT u, n FROM unnest($1::text[], $2::bigint[]) AS v(u, n) ORDER BY u COLLATE "C"
       ON CONFLICT (user_id) DO UPDATE SET pts = user_pts.pts + excluded.pts
       RETURNING user_id AS "userId", pts`,
      [users, users.map((u) => counts.get(u)!)],
    );
    for (const row of rows) before.set(row.userId, num(row.pts) - counts.get(row.userId)!);
    return before;
  }
}
