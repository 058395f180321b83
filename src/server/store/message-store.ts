import type { ConvType, MsgType } from '../../protocol/codes.js';
import type { Presence } from '../deliver/presence.js';
import type { Logger } from '../logger.js';
import type {
  Content,
  ConversationSummary,
  FriendList,
  GroupInfo,
  GroupMember,
  GroupPolicy,
  GroupRole,
  StoredMessage,
} from '../../protocol/frames.js';

/**
 * The store port: everything the pipeline and the HTTP API persist or read goes through this
 * interface, so a PostgreSQL adapter can replace SQLite without touching them. Methods are async
 * even over synchronous better-sqlite3 so that networked adapters fit the same contract.
 *
 * Errors: methods throw `ImError` for the protocol's refusals named on each method
 * (USER_EXISTS, GROUP_EXISTS, …); anything else thrown is a storage failure.
 */
export interface MessageStore {
  // ---- lifecycle -------------------------------------------------------------------------
  /** Resolves when the store can answer a query (for /healthz). */
  ping(): Promise<void>;
  /** Flushes and closes; later calls reject. Idempotent. */
  close(): Promise<void>;
  /**
   * A value kept in the store under `key`; when absent, `init()` is stored and returned. Used for
   * the token signing secret, so tokens survive a restart.
   */
  getOrInitMeta(key: string, init: () => string): Promise<string>;

  // ---- node-id lease (cluster mode) --------------------------------------------------------
  /**
   * Takes the lease on a Snowflake node id for `ttlMs`: the given `nodeId`, or (when undefined)
   * the lowest free one. A lease whose holder stopped renewing it is free once it expires, so a
   * node killed with -9 frees its id within `ttlMs`. A node on the in-process bus must be the
   * only live node of its database (it would never deliver across nodes), and no node may join
   * one that is.
   * @throws NodeClaimError (node-claim-error.ts) naming `--node-id` or `--bus`
   */
  claimNode(claim: NodeClaim): Promise<NodeLease>;
  /**
   * Extends this instance's lease on `nodeId` by `ttlMs` from now. Resolves false when the lease
   * was lost: it expired and another node has taken the id since.
   */
  renewNode(nodeId: number, instance: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once (a clean stop), when this instance still holds it. */
  releaseNode(nodeId: number, instance: string): Promise<void>;
  /**
   * The presence of a cluster's connections, kept where every node reads it, for the node that
   * holds `node`'s lease. Absent on a store that only one node uses (SQLite): that node's own
   * connections are its presence.
   */
  presence?(node: { nodeId: number; instance: string }, logger: Logger): Presence;
  /** What the operator should change in the database's settings, one sentence each (logged once the node is up). */
  settingsWarnings?(): Promise<string[]>;

  // ---- users -----------------------------------------------------------------------------
  /**
   * Creates all of `users` or none (a batch provisions a load test's users in one transaction).
   * @throws ImError USER_EXISTS naming the first id that is taken (or repeated in `users`)
   */
  createUsers(users: readonly NewUser[]): Promise<void>;
  getUser(userId: string): Promise<UserRecord | undefined>;
  /**
   * Replaces the password hash and bumps the user's token generation, which revokes every token
   * issued before. Returns the new generation. @throws ImError USER_NOT_FOUND
   */
  setPassword(userId: string, passwordHash: string): Promise<number>;
  /** Revokes one token (by its hash) until `expiresAt`, after which it is invalid anyway. */
  revokeToken(userId: string, tokenHash: string, expiresAt: number): Promise<void>;
  /** What a token check needs in one read; undefined when the user does not exist. */
  tokenStatus(userId: string, tokenHash: string): Promise<TokenStatus | undefined>;
  /** Which of `userIds` exist, in one round trip. */
  existingUsers(userIds: readonly string[]): Promise<Set<string>>;
  setAllowStrangers(userId: string, allow: boolean): Promise<void>;

  // ---- friends and blocks ----------------------------------------------------------------
  /** Records `userId`'s request; friends once both sides have added each other. */
  addFriend(userId: string, friendId: string): Promise<'pending' | 'friends'>;
  /** Removes the friendship and both pending requests between the two users. */
  removeFriend(userId: string, friendId: string): Promise<void>;
  listFriends(userId: string): Promise<FriendList>;
  areFriends(a: string, b: string): Promise<boolean>;
  block(userId: string, blockedId: string): Promise<void>;
  unblock(userId: string, blockedId: string): Promise<void>;
  /** Which of `among` block `userId`, sorted, in one round trip. */
  blockersOf(userId: string, among: readonly string[]): Promise<string[]>;
  /** True when either user blocks the other. */
  isBlockedEitherWay(a: string, b: string): Promise<boolean>;
  /**
   * Everything the one-to-one filter needs about `to` as `from` sees it, in one read (it runs on
   * every SINGLE/STRANGER SEND); undefined when `to` does not exist.
   */
  relation(from: string, to: string): Promise<PairRelation | undefined>;

  // ---- groups (all five group-backed conversation types) ----------------------------------
  /**
   * Creates the group, its conversation (maxSeq 0) and its members; the owner is a member with
   * role `owner`. Every member's readSeq starts at 0.
   * @throws ImError GROUP_EXISTS
   */
  createGroup(group: NewGroup): Promise<void>;
  /** The group without its member count, with its membership version: cheap, read on every group SEND. */
  getGroup(groupId: string): Promise<GroupRecord | undefined>;
  /** How many members the group has (a count over its members; not for the hot path). */
  countMembers(groupId: string): Promise<number>;
  getMember(groupId: string, userId: string): Promise<GroupMember | undefined>;
  listMembers(groupId: string): Promise<GroupMember[]>;
  /** Member userIds only: the fan-out list of write diffusion. */
  memberIds(groupId: string): Promise<readonly string[]>;
  /**
   * The member userIds and the membership version they are, read as one consistent state: never
   * ids of one version with the number of another. Version 0 and no ids for an unknown group.
   */
  memberSnapshot(groupId: string): Promise<MemberSnapshot>;
  /**
   * Adds members (existing ones are left as they are). A new member's readSeq starts at the
   * conversation's current maxSeq (§4), so joining never shows old messages as unread.
   * Returns the userIds actually added; when there are any, the membership version goes up by
   * one in the same transaction.
   */
  addMembers(groupId: string, userIds: readonly string[]): Promise<string[]>;
  /**
   * Removes members; their inbox rows stay (§1). Returns the userIds actually removed; when there
   * are any, the membership version goes up by one in the same transaction.
   */
  removeMembers(groupId: string, userIds: readonly string[]): Promise<string[]>;
  setRole(groupId: string, userId: string, role: Exclude<GroupRole, 'owner'>): Promise<void>;
  setMuted(groupId: string, userId: string, muted: boolean): Promise<void>;

  // ---- messages ----------------------------------------------------------------------------
  /**
   * Appends messages in ONE commit, in array order: for each, the conversation's next seq, one
   * inbox row with the user's next pts for every `inboxUsers` entry, the sender's readSeq raised
   * to the new seq, and the (from, clientMsgId) idempotency record. All of it is durable when
   * the promise resolves; nothing of it is visible if it rejects.
   *
   * A message whose (from, clientMsgId) is already stored (earlier, or earlier in this batch) is
   * not stored again: its result is the first stamp with `duplicate: true`.
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]>;
  /** The stamp of the message `from` sent with `clientMsgId`, if any (§6.2). */
  findByClientMsgId(from: string, clientMsgId: string): Promise<AppendResult | undefined>;
  /**
   * The user's inbox after `sincePts`, ascending, at most `limit` rows. `maxPts` is the user's
   * current pts (0 when nothing was ever delivered); `hasMore` when rows after the page exist.
   */
  readInbox(userId: string, sincePts: number, limit: number): Promise<InboxPage>;
  /**
   * A page of the conversation by seq, always ascending. `afterSeq`/`beforeSeq` are exclusive;
   * with neither, the latest `limit` messages; with `beforeSeq`, the nearest `limit` before it.
   */
  readHistory(convId: string, query: HistoryQuery): Promise<HistoryPage>;
  /** The conversation's metadata, or undefined when no such conversation exists yet. */
  getConversation(convId: string): Promise<ConversationRecord | undefined>;
  /**
   * readSeq becomes max(old, min(seq, maxSeq)). `advanced` tells whether it moved. unread is
   * maxSeq − readSeq, never negative.
   */
  markRead(userId: string, convId: string, seq: number): Promise<ReadResult>;
  /** The user's conversations, most recent activity first. */
  listConversations(userId: string): Promise<ConversationSummary[]>;
}

export interface NodeClaim {
  /** The id asked for (`--node-id`); undefined takes the lowest free one. */
  nodeId?: number;
  /** Identifies this process's lease (random per start); renew and release must match it. */
  instance: string;
  /**
   * `'memory'`: the in-process bus, which reaches this node only; `'redis'`: a bus shared by the
   * nodes of a cluster (any bus given to createServer counts as shared).
   */
  bus: 'memory' | 'redis';
  /** How long the lease lasts without a renewal. */
  ttlMs: number;
}

export interface NodeLease {
  nodeId: number;
}

/** A group as the filter needs it; `GroupInfo` adds the member count and drops the version. */
export type GroupRecord = Omit<GroupInfo, 'memberCount'> & {
  /**
   * The membership version: 1 at creation, one more with every commit that adds or removes
   * members (role and mute changes leave it). Each node's fan-out cache keeps member ids by it.
   */
  memberVersion: number;
};

/** A group's member ids as of one membership version (`MessageStore.memberSnapshot`). */
export interface MemberSnapshot {
  version: number;
  ids: readonly string[];
}

export interface NewUser {
  userId: string;
  /** scrypt hash in the form produced by `hashPassword`. */
  passwordHash: string;
  nickname: string;
}

export interface UserRecord {
  userId: string;
  nickname: string;
  passwordHash: string;
  allowStrangers: boolean;
  /** Tokens carry the generation they were issued in; a password change bumps it. */
  tokenGeneration: number;
}

export interface TokenStatus {
  /** The user's current token generation. */
  generation: number;
  /** This very token was revoked (logout). */
  revoked: boolean;
}

export interface PairRelation {
  /** `to`'s setting (§2 /user/settings). */
  allowStrangers: boolean;
  /** Either blocks the other. */
  blocked: boolean;
  /** Both have added each other. */
  friends: boolean;
}

export interface NewGroup {
  groupId: string;
  convId: string;
  type: ConvType;
  name: string;
  owner: string;
  policy?: GroupPolicy;
  /** Members besides the owner; duplicates and the owner are ignored. */
  members: readonly string[];
}

export interface NewMessage {
  /** Snowflake, decimal string; assigned before the store sees it. */
  msgId: string;
  convId: string;
  convType: ConvType;
  msgType: MsgType;
  from: string;
  to: string;
  content: Content;
  sendTime: number;
  clientMsgId?: string;
  /** Users who get an inbox row and a pts (write diffusion); empty for read-diffusion types. */
  inboxUsers: readonly string[];
  /**
   * Users whose conversation list must show this conversation (SINGLE/STRANGER/SYSTEM peers);
   * group members are already listed through membership.
   */
  participants: readonly string[];
}

export interface AppendResult {
  msgId: string;
  convId: string;
  seq: number;
  sendTime: number;
  /** pts of each user who got an inbox row, the sender included when it is in `inboxUsers`. */
  pts: Record<string, number>;
  /** True when (from, clientMsgId) was already stored: this is the first message's stamp. */
  duplicate: boolean;
}

export interface InboxEntry {
  pts: number;
  message: StoredMessage;
}

export interface InboxPage {
  entries: InboxEntry[];
  maxPts: number;
  hasMore: boolean;
}

export interface HistoryQuery {
  afterSeq?: number;
  beforeSeq?: number;
  limit: number;
}

export interface HistoryPage {
  messages: StoredMessage[];
  hasMore: boolean;
}

export interface ConversationRecord {
  convId: string;
  convType: ConvType;
  maxSeq: number;
}

export interface ReadResult {
  readSeq: number;
  unread: number;
  advanced: boolean;
}
