import type { Database, Statement } from 'better-sqlite3';
import { ConvType } from '../../../protocol/codes.js';
import type { ConversationSummary } from '../../../protocol/frames.js';
import { parseConvId } from '../../../protocol/ids.js';
import { pushFrame } from '../../../protocol/messages.js';
import { err } from '../../errors.js';
import type { ConversationRecord, ReadResult } from '../message-store.js';
import { isGroupBacked } from './counters.js';
import type { Counters } from './counters.js';
import { toStoredMessage, type MessageRow } from '../message-row.js';
import { MESSAGE_COLUMNS } from './rows.js';

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** One of the user's conversations with its last message, when it has one. */
type ListRow = Nullable<MessageRow> & {
  listConvId: string;
  listConvType: ConvType;
  readSeq: number;
  groupId: string | null;
  groupName: string | null;
};

/** Per-user read state and the conversation list. */
export class ConversationStatements {
  private readonly selectReadSeq: Statement<[string, string], number>;
  private readonly upsertReadSeq: Statement<[string, string, number, number]>;
  private readonly selectList: Statement<[string], ListRow>;
  private readonly selectNickname: Statement<[string], string>;
  private readonly markReadTx: (userId: string, convId: string, seq: number) => ReadResult;

  constructor(
    db: Database,
    private readonly counters: Counters,
    private readonly now: () => number,
  ) {
    this.selectReadSeq = db
      .prepare<[string, string], number>('SELECT read_seq FROM members WHERE conv_id = ? AND user_id = ?')
      .pluck();
    this.upsertReadSeq = db.prepare(
      `INSERT INTO members (conv_id, user_id, read_seq, joined_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET read_seq = excluded.read_seq`,
    );
    // Every conversation the user has a row in: groups they are in, and one-to-one and system
    // conversations that have messages. Last activity is the last message, or the creation.
    this.selectList = db.prepare(
      `SELECT mb.conv_id AS listConvId, c.conv_type AS listConvType, mb.read_seq AS readSeq,
              g.group_id AS groupId, g.name AS groupName, ${MESSAGE_COLUMNS}
         FROM members mb
         JOIN conversations c ON c.conv_id = mb.conv_id
         LEFT JOIN groups g ON g.conv_id = mb.conv_id
         LEFT JOIN messages m ON m.conv_id = mb.conv_id
              AND m.seq = (SELECT MAX(seq) FROM messages WHERE conv_id = mb.conv_id)
        WHERE mb.user_id = ? AND (g.group_id IS NOT NULL OR m.msg_id IS NOT NULL)
        ORDER BY COALESCE(m.send_time, c.created_at) DESC, mb.conv_id`,
    );
    this.selectNickname = db.prepare<[string], string>('SELECT nickname FROM users WHERE user_id = ?').pluck();
    this.markReadTx = db.transaction((userId: string, convId: string, seq: number) => this.read(userId, convId, seq));
  }

  get(convId: string): ConversationRecord | undefined {
    const state = this.counters.convs.get(convId);
    return state && { convId, convType: state.convType, maxSeq: state.maxSeq };
  }

  /**
   * A conversation that does not exist yet (a pair chat before its first message) has nothing to
   * read: the result is all zeros and nothing is stored.
   * @throws ImError NOT_MEMBER when the conversation is a group the user is not in: a row made
   * here would re-admit a member removed since the pipeline checked.
   */
  markRead(userId: string, convId: string, seq: number): ReadResult {
    return this.counters.guard(() => this.markReadTx(userId, convId, seq));
  }

  list(userId: string): ConversationSummary[] {
    return this.selectList.all(userId).map((row) => this.summarize(userId, row));
  }

  private read(userId: string, convId: string, seq: number): ReadResult {
    const conv = this.counters.convs.get(convId);
    if (!conv) return { readSeq: 0, unread: 0, advanced: false };
    const old = this.selectReadSeq.get(convId, userId);
    if (old === undefined && isGroupBacked(conv.convType)) throw err.notMember(convId);
    const wanted = Number.isFinite(seq) ? Math.min(Math.trunc(seq), conv.maxSeq) : 0;
    const readSeq = Math.max(old ?? 0, wanted);
    const advanced = readSeq > (old ?? 0);
    if (advanced || old === undefined) this.upsertReadSeq.run(convId, userId, readSeq, this.now());
    return { readSeq, unread: Math.max(0, conv.maxSeq - readSeq), advanced };
  }

  private summarize(userId: string, row: ListRow): ConversationSummary {
    const maxSeq = row.seq ?? 0;
    return {
      convId: row.listConvId,
      convType: row.listConvType,
      ...this.targetOf(userId, row),
      maxSeq,
      readSeq: row.readSeq,
      unread: Math.max(0, maxSeq - row.readSeq),
      // A PUSH without pts (a list is not per device), and without control.clientMsgId.
      lastMessage: row.msgId === null ? null : pushFrame({ ...toStoredMessage(row as MessageRow), clientMsgId: undefined }),
    };
  }

  /** Who the conversation is with, as the list shows it. */
  private targetOf(userId: string, row: ListRow): { target: string; name: string } {
    if (row.groupId !== null) return { target: row.groupId, name: row.groupName ?? row.groupId };
    const parts = parseConvId(row.listConvId)?.parts ?? [];
    if (row.listConvType === ConvType.SYSTEM_CONVERSATION) return { target: parts[0] ?? userId, name: 'system' };
    const peer = parts.find((p) => p !== userId) ?? userId;
    return { target: peer, name: this.selectNickname.get(peer) ?? peer };
  }
}
