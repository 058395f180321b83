import type { Database } from 'better-sqlite3';
import { ErrorCode } from '../../../protocol/codes.js';
import type { ConversationSummary, FriendList, GroupMember, GroupRole } from '../../../protocol/frames.js';
import { ImError } from '../../errors.js';
import type {
  AppendResult,
  ConversationRecord,
  GroupRecord,
  HistoryPage,
  HistoryQuery,
  InboxPage,
  MemberSnapshot,
  MessageStore,
  NodeClaim,
  NodeLease,
  NewGroup,
  NewMessage,
  NewUser,
  PairRelation,
  ReadResult,
  TokenStatus,
  UserRecord,
} from '../message-store.js';
import { ConversationStatements } from './conversation-statements.js';
import { Counters } from './counters.js';
import { GroupStatements } from './group-statements.js';
import { MessageStatements } from './message-statements.js';
import { openDatabase, type OpenDatabase } from './open-database.js';
import { SocialStatements } from './social-statements.js';
import { RelationCache } from './relation-cache.js';
import { UserStatements } from './user-statements.js';

export { StoreOpenError } from './store-open-error.js';

export interface SqliteStoreOptions {
  /** Clock for created_at / joined_at columns; message times come with the messages. */
  now?: () => number;
}

/** What a SqliteStore is running with, for diagnostics and tests. */
export interface SqliteSettings {
  path: string;
  schemaVersion: number;
  journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  foreignKeys: boolean;
  lockingMode: string;
  /** WAL pages between the serving connection's own checkpoints; 0 while the checkpointer thread does them. */
  walAutocheckpoint: number;
}

interface Parts {
  db: Database;
  users: UserStatements;
  social: SocialStatements;
  groups: GroupStatements;
  messages: MessageStatements;
  conversations: ConversationStatements;
}

/**
 * The MessageStore port over one SQLite file (better-sqlite3, synchronous under the async port).
 * The file is locked for this process while open (open-database.ts): it is the only writer, which
 * is what lets maxSeq and pts live in memory (counters.ts) instead of being read or written per
 * message.
 * All SQL lives in the *-statements classes beside this file, prepared once at open.
 */
export class SqliteStore implements MessageStore {
  private parts: Parts | undefined;
  private readonly relations = new RelationCache();

  private constructor(
    private readonly path: string,
    private readonly file: OpenDatabase,
    now: () => number,
  ) {
    const { db } = file;
    const counters = new Counters(db);
    this.parts = {
      db,
      users: new UserStatements(db, now),
      social: new SocialStatements(db, now),
      groups: new GroupStatements(db, counters, now),
      messages: new MessageStatements(db, counters, now),
      conversations: new ConversationStatements(db, counters, now),
    };
  }

  /**
   * Opens or creates the database at `path` (`:memory:` for a throwaway one) and migrates it.
   * @throws StoreOpenError when the file cannot be used (see open-database.ts)
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const opened = openDatabase(path);
    try {
      return new SqliteStore(path, opened, options.now ?? Date.now);
    } catch (e) {
      opened.close();
      throw e;
    }
  }

  settings(): SqliteSettings {
    const { db } = this.live();
    const pragma = (name: string): unknown => db.pragma(name, { simple: true });
    return {
      path: this.path,
      schemaVersion: pragma('user_version') as number,
      journalMode: pragma('journal_mode') as string,
      synchronous: pragma('synchronous') as number,
      foreignKeys: pragma('foreign_keys') === 1,
      lockingMode: pragma('locking_mode') as string,
      walAutocheckpoint: pragma('wal_autocheckpoint') as number,
    };
  }

  // ---- lifecycle ---------------------------------------------------------------------------
  async ping(): Promise<void> {
    this.live().db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    const parts = this.parts;
    this.parts = undefined;
    if (parts) this.file.close();
  }

  async getOrInitMeta(key: string, init: () => string): Promise<string> {
    return this.live().users.getOrInitMeta(key, init);
  }

  // ---- node-id lease -------------------------------------------------------------------------
  /** The file's exclusive lock already means one node: the given id (default 0) is this node's. */
  async claimNode(claim: NodeClaim): Promise<NodeLease> {
    this.live();
    return { nodeId: claim.nodeId ?? 0 };
  }

  async renewNode(_nodeId: number, _instance: string, _ttlMs: number): Promise<boolean> {
    this.live();
    return true;
  }

  async releaseNode(_nodeId: number, _instance: string): Promise<void> {}

  // ---- users -------------------------------------------------------------------------------
  async createUsers(users: readonly NewUser[]): Promise<void> {
    this.live().users.create(users);
  }

  async getUser(userId: string): Promise<UserRecord | undefined> {
    return this.live().users.get(userId);
  }

  async setPassword(userId: string, passwordHash: string): Promise<number> {
    return this.live().users.setPassword(userId, passwordHash);
  }

  async revokeToken(userId: string, tokenHash: string, expiresAt: number): Promise<void> {
    this.live().users.revokeToken(userId, tokenHash, expiresAt);
  }

  async tokenStatus(userId: string, tokenHash: string): Promise<TokenStatus | undefined> {
    return this.live().users.tokenStatus(userId, tokenHash);
  }

  async existingUsers(userIds: readonly string[]): Promise<Set<string>> {
    return this.live().users.existing(userIds);
  }

  /** @throws ImError USER_NOT_FOUND */
  async setAllowStrangers(userId: string, allow: boolean): Promise<void> {
    try {
      this.live().users.setAllowStrangers(userId, allow);
    } finally {
      this.relations.forgetUser(userId);
    }
  }

  /** A write the cached relation of `a` and `b` depends on: forgotten after it, whether it succeeded or not. */
  private changingPair<T>(a: string, b: string, write: (social: SocialStatements) => T): T {
    try {
      return write(this.live().social);
    } finally {
      this.relations.forgetPair(a, b);
    }
  }

  // ---- friends and blocks ------------------------------------------------------------------
  async addFriend(userId: string, friendId: string): Promise<'pending' | 'friends'> {
    return this.changingPair(userId, friendId, (social) => social.addFriend(userId, friendId));
  }

  async removeFriend(userId: string, friendId: string): Promise<void> {
    this.changingPair(userId, friendId, (social) => social.removeFriend(userId, friendId));
  }

  async listFriends(userId: string): Promise<FriendList> {
    return this.live().social.listFriends(userId);
  }

  async areFriends(a: string, b: string): Promise<boolean> {
    return this.live().social.areFriends(a, b);
  }

  async block(userId: string, blockedId: string): Promise<void> {
    this.changingPair(userId, blockedId, (social) => social.block(userId, blockedId));
  }

  async unblock(userId: string, blockedId: string): Promise<void> {
    this.changingPair(userId, blockedId, (social) => social.unblock(userId, blockedId));
  }

  async relation(from: string, to: string): Promise<PairRelation | undefined> {
    const { social } = this.live();
    return this.relations.get(from, to, () => social.relation(from, to));
  }

  async blockersOf(userId: string, among: readonly string[]): Promise<string[]> {
    return this.live().social.blockersOf(userId, among);
  }

  async isBlockedEitherWay(a: string, b: string): Promise<boolean> {
    return this.live().social.isBlockedEitherWay(a, b);
  }

  // ---- groups ------------------------------------------------------------------------------
  async createGroup(group: NewGroup): Promise<void> {
    this.live().groups.create(group);
  }

  async getGroup(groupId: string): Promise<GroupRecord | undefined> {
    return this.live().groups.get(groupId);
  }

  async countMembers(groupId: string): Promise<number> {
    return this.live().groups.countMembers(groupId);
  }

  async getMember(groupId: string, userId: string): Promise<GroupMember | undefined> {
    return this.live().groups.getMember(groupId, userId);
  }

  async listMembers(groupId: string): Promise<GroupMember[]> {
    return this.live().groups.listMembers(groupId);
  }

  async memberIds(groupId: string): Promise<readonly string[]> {
    return this.live().groups.memberIds(groupId);
  }

  async memberSnapshot(groupId: string): Promise<MemberSnapshot> {
    return this.live().groups.memberSnapshot(groupId);
  }

  async addMembers(groupId: string, userIds: readonly string[]): Promise<string[]> {
    return this.live().groups.addMembers(groupId, userIds);
  }

  async removeMembers(groupId: string, userIds: readonly string[]): Promise<string[]> {
    return this.live().groups.removeMembers(groupId, userIds);
  }

  async setRole(groupId: string, userId: string, role: Exclude<GroupRole, 'owner'>): Promise<void> {
    this.live().groups.setRole(groupId, userId, role);
  }

  async setMuted(groupId: string, userId: string, muted: boolean): Promise<void> {
    this.live().groups.setMuted(groupId, userId, muted);
  }

  // ---- messages ----------------------------------------------------------------------------
  async appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    return this.live().messages.append(batch);
  }

  async findByClientMsgId(from: string, clientMsgId: string): Promise<AppendResult | undefined> {
    return this.live().messages.findByClientMsgId(from, clientMsgId);
  }

  async readInbox(userId: string, sincePts: number, limit: number): Promise<InboxPage> {
    return this.live().messages.readInbox(userId, sincePts, limit);
  }

  async readHistory(convId: string, query: HistoryQuery): Promise<HistoryPage> {
    return this.live().messages.readHistory(convId, query);
  }

  async getConversation(convId: string): Promise<ConversationRecord | undefined> {
    return this.live().conversations.get(convId);
  }

  async markRead(userId: string, convId: string, seq: number): Promise<ReadResult> {
    return this.live().conversations.markRead(userId, convId, seq);
  }

  async listConversations(userId: string): Promise<ConversationSummary[]> {
    return this.live().conversations.list(userId);
  }

  /** @throws ImError UNAVAILABLE once closed: nothing was stored, and the server is going away. */
  private live(): Parts {
    if (!this.parts) throw new ImError(ErrorCode.UNAVAILABLE, `the store ${this.path} is closed`);
    return this.parts;
  }
}
