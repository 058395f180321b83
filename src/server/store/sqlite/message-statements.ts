import type { Database, Statement } from 'better-sqlite3';
import { ConvType } from '../../../protocol/codes.js';
import { err } from '../../errors.js';
import type { AppendResult, HistoryPage, HistoryQuery, InboxPage, NewMessage } from '../message-store.js';
import { isGroupBacked } from './counters.js';
import type { ConvState, Counters } from './counters.js';
import { toStoredMessage, type MessageRow } from '../message-row.js';
import { MESSAGE_COLUMNS } from './rows.js';

type InsertMessage = [bigint, string, number, number, number, string, string, string, number, string | null, number | null];

interface StampRow {
  msgId: string;
  convId: string;
  seq: number;
  sendTime: number;
  senderPts: number | null;
}

/**
 * A pts map keyed by userId. Prototype-free, because `__proto__` is a valid userId (§1) and on a
 * plain object it would not become a key.
 */
const ptsRecord = (): Record<string, number> => Object.create(null) as Record<string, number>;

/** Appending messages (seq, pts, inbox rows, read state) and reading them back by pts or seq. */
export class MessageStatements {
  private readonly insertConversation: Statement<[string, number, number]>;
  private readonly insertMessage: Statement<InsertMessage>;
  private readonly insertInbox: Statement<[string, number, bigint]>;
  private readonly insertParticipant: Statement<[string, string, number]>;
  private readonly raiseSenderRead: Statement<[string, string, number, number]>;
  private readonly raiseMemberRead: Statement<[number, string, string]>;
  private readonly selectStamp: Statement<[string, string], StampRow>;
  private readonly selectInbox: Statement<[string, number, number], MessageRow & { pts: number }>;
  private readonly selectAfter: Statement<[string, number, number, number], MessageRow>;
  private readonly selectBefore: Statement<[string, number, number], MessageRow>;
  private readonly appendTx: (batch: readonly NewMessage[]) => AppendResult[];

  constructor(
    db: Database,
    private readonly counters: Counters,
    private readonly now: () => number,
  ) {
    this.insertConversation = db.prepare('INSERT INTO conversations (conv_id, conv_type, created_at) VALUES (?, ?, ?)');
    // The conflict target is the (from, clientMsgId) index only: a repeated msgId or seq still
    // fails the commit, as a bug must.
    this.insertMessage = db.prepare(
      `INSERT INTO messages (msg_id, conv_id, seq, conv_type, msg_type, from_user, to_target, content,
                             send_time, client_msg_id, sender_pts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (from_user, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING`,
    );
    this.insertInbox = db.prepare('INSERT INTO inbox (user_id, pts, msg_id) VALUES (?, ?, ?)');
    this.insertParticipant = db.prepare(
      'INSERT INTO members (conv_id, user_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.raiseSenderRead = db.prepare(
      `INSERT INTO members (conv_id, user_id, read_seq, joined_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET read_seq = MAX(read_seq, excluded.read_seq)`,
    );
    this.raiseMemberRead = db.prepare(
      'UPDATE members SET read_seq = MAX(read_seq, ?) WHERE conv_id = ? AND user_id = ?',
    );
    this.selectStamp = db.prepare(
      `SELECT CAST(msg_id AS TEXT) AS msgId, conv_id AS convId, seq, send_time AS sendTime, sender_pts AS senderPts
         FROM messages WHERE from_user = ? AND client_msg_id = ?`,
    );
    this.selectInbox = db.prepare(
      `SELECT i.pts AS pts, ${MESSAGE_COLUMNS}
         FROM inbox i JOIN messages m ON m.msg_id = i.msg_id
        WHERE i.user_id = ? AND i.pts > ? ORDER BY i.pts LIMIT ?`,
    );
    this.selectAfter = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
        WHERE m.conv_id = ? AND m.seq > ? AND m.seq < ? ORDER BY m.seq LIMIT ?`,
    );
    this.selectBefore = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
        WHERE m.conv_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
    );
    this.appendTx = db.transaction((batch: readonly NewMessage[]) => {
      try {
        const results = batch.map((m) => this.appendOne(m));
        this.writeReads();
        return results;
      } finally {
        // A batch that throws rolls back: what it meant to raise must not reach the next one.
        this.#reads.clear();
      }
    });
  }

  /** One transaction for the whole batch; see MessageStore.appendMessages. */
  append(batch: readonly NewMessage[]): AppendResult[] {
    if (batch.length === 0) return [];
    return this.counters.guard(() => this.appendTx(batch));
  }

  findByClientMsgId(from: string, clientMsgId: string): AppendResult | undefined {
    const row = this.selectStamp.get(from, clientMsgId);
    if (!row) return undefined;
    const pts = ptsRecord();
    if (row.senderPts !== null) pts[from] = row.senderPts;
    return { msgId: row.msgId, convId: row.convId, seq: row.seq, sendTime: row.sendTime, pts, duplicate: true };
  }

  readInbox(userId: string, sincePts: number, limit: number): InboxPage {
    const n = pageSize(limit);
    const rows = this.selectInbox.all(userId, sincePts, n + 1);
    return {
      entries: rows.slice(0, n).map((row) => ({ pts: row.pts, message: toStoredMessage(row) })),
      maxPts: this.counters.currentPts(userId),
      hasMore: rows.length > n,
    };
  }

  /**
   * `hasMore` is about the direction being paged: with `afterSeq`, whether messages exist after
   * the page (and before `beforeSeq`, when both are given); otherwise whether messages exist
   * before the page.
   */
  readHistory(convId: string, query: HistoryQuery): HistoryPage {
    const n = pageSize(query.limit);
    const before = query.beforeSeq ?? Number.MAX_SAFE_INTEGER;
    const rows =
      query.afterSeq === undefined
        ? this.selectBefore.all(convId, before, n + 1)
        : this.selectAfter.all(convId, query.afterSeq, before, n + 1);
    const page = rows.slice(0, n);
    if (query.afterSeq === undefined) page.reverse();
    return { messages: page.map(toStoredMessage), hasMore: rows.length > n };
  }

  private appendOne(m: NewMessage): AppendResult {
    const conv = this.conversationOf(m);
    if (!conv) return this.firstStamp(m);
    const seq = conv.maxSeq + 1;
    const inboxUsers = new Set(m.inboxUsers);
    const senderPts = inboxUsers.has(m.from) ? this.counters.currentPts(m.from) + 1 : null;
    const msgId = BigInt(m.msgId);
    const { changes } = this.insertMessage.run(
      msgId, m.convId, seq, m.convType, m.msgType, m.from, m.to,
      JSON.stringify(m.content), m.sendTime, m.clientMsgId ?? null, senderPts,
    );
    if (changes === 0) return this.firstStamp(m);
    conv.maxSeq = seq;
    const pts = ptsRecord();
    for (const userId of inboxUsers) {
      const next = this.counters.currentPts(userId) + 1;
      this.insertInbox.run(userId, next, msgId);
      this.counters.pts.set(userId, next);
      pts[userId] = next;
    }
    this.recordReaders(m, conv, seq);
    return { msgId: m.msgId, convId: m.convId, seq, sendTime: m.sendTime, pts, duplicate: false };
  }

  /**
   * The conversation's state; SINGLE/STRANGER/SYSTEM conversations start with their first
   * message. Undefined for a retry whose first copy went to another conversation: the retry
   * must not create this one (§6.2).
   */
  private conversationOf(m: NewMessage): ConvState | undefined {
    const known = this.counters.convs.get(m.convId);
    if (known) {
      if (known.convType !== m.convType) {
        throw new Error(`message of conversation type ${m.convType} for ${m.convId}, which has type ${known.convType}`);
      }
      return known;
    }
    // Group conversations are made by createGroup; a message cannot conjure one.
    if (isGroupBacked(m.convType)) throw err.convNotFound(m.convId);
    if (m.clientMsgId !== undefined && this.selectStamp.get(m.from, m.clientMsgId)) return undefined;
    this.insertConversation.run(m.convId, m.convType, this.now());
    const created: ConvState = { convType: m.convType, maxSeq: 0 };
    this.counters.convs.set(m.convId, created);
    return created;
  }

  /**
   * Participants get a row (readSeq 0) so the conversation shows in their list; the sender's
   * readSeq rises to its own message (§6.5). In a group only an existing member row is raised:
   * creating one would re-admit a member removed since the filter ran. The sender of a SYSTEM
   * conversation is the server, which reads nothing.
   */
  private recordReaders(m: NewMessage, conv: ConvState, seq: number): void {
    if (isGroupBacked(m.convType)) {
      this.raiseRead(m.convId, m.from, seq, true);
      return;
    }
    const now = this.now();
    const seen = (conv.seen ??= new Set());
    for (const userId of m.participants) {
      if (userId === m.from || seen.has(userId)) continue;
      this.insertParticipant.run(m.convId, userId, now);
      seen.add(userId);
    }
    if (m.convType !== ConvType.SYSTEM_CONVERSATION) this.raiseRead(m.convId, m.from, seq, false);
  }

  /**
   * The senders' read positions a batch raises, written once per (conversation, sender) when the
   * batch ends (still in its transaction): a sender of 30 messages in one commit needs one write,
   * not 30, and seq only grows within a conversation, so the last is the highest.
   */
  readonly #reads = new Map<string, { convId: string; userId: string; seq: number; member: boolean }>();

  private raiseRead(convId: string, userId: string, seq: number, member: boolean): void {
    const key = `${convId}\u0000${userId}`;
    const pending = this.#reads.get(key);
    if (pending) pending.seq = seq;
    else this.#reads.set(key, { convId, userId, seq, member });
  }

  private writeReads(): void {
    const now = this.now();
    for (const r of this.#reads.values()) {
      if (r.member) this.raiseMemberRead.run(r.seq, r.convId, r.userId);
      else this.raiseSenderRead.run(r.convId, r.userId, r.seq, now);
    }
  }

  private firstStamp(m: NewMessage): AppendResult {
    const first = m.clientMsgId === undefined ? undefined : this.findByClientMsgId(m.from, m.clientMsgId);
    if (!first) throw new Error(`message ${m.msgId} was not stored and has no earlier copy`);
    return first;
  }
}

/** A usable LIMIT: SQLite treats a negative one as "no limit". */
const pageSize = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0);
